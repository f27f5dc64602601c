import { css } from 'lit';

/**
 * The panel's rules. Scanned or confirmed (`.done`): a card over the middle of the code, as
 * large as its words, not a sheet over all of it. The refresh and retry button keeps its words
 * on one line. The match code stays with its label, the last word before it (`.keep`); a code
 * longer than the line wraps inside, as does any text from the server.
 */
export const styles = css`
  :host {
    --_qr: var(--etax-qr-size, 200px);
    display: grid;
    justify-items: center;
    gap: 0.5em;
    text-align: center;
    background: var(--_surface);
  }
  :host([large-text]) {
    --_qr: var(--etax-qr-size-large, 240px);
  }
  .qr {
    position: relative;
    width: var(--_qr);
    height: var(--_qr);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_subtle);
    overflow: hidden;
  }
  svg,
  .over {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
  }
  .over {
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 0.5em;
    padding: 0.75em 0.25em;
  }
  .on {
    background: var(--_surface);
    background: color-mix(in srgb, var(--_surface) 90%, transparent);
    font-weight: 600;
  }
  .done {
    margin: auto;
    width: fit-content;
    height: fit-content;
    max-width: calc(100% - 1.5em);
    max-height: 100%;
    padding: 0.5em 0.75em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    font-size: var(--_small);
  }
  .over > button {
    white-space: nowrap;
    padding: 0 0.5em;
  }
  p {
    max-width: 100%;
    overflow-wrap: anywhere;
  }
  .keep {
    display: inline-block;
    max-width: 100%;
  }
  .ok {
    font-size: 1.5em;
    line-height: 1;
    color: var(--_success);
  }
  strong {
    font-size: 1.75em;
    letter-spacing: 0.1em;
    margin: 0 0.15em;
    font-variant-numeric: tabular-nums;
    vertical-align: middle;
  }
  .muted {
    font-size: var(--_small);
  }
  @media (forced-colors: active) {
    svg {
      forced-color-adjust: none;
    }
    .on {
      background: Canvas;
    }
  }
`;
