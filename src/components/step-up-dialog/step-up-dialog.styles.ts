import { css } from 'lit';

export const styles = css`
  :host {
    --_width: var(--etax-step-up-width, 34rem);
    --_pad: var(--etax-step-up-padding, var(--_gap));
    display: contents;
  }
  dialog {
    box-sizing: border-box;
    width: min(var(--_width), calc(100vw - 16px));
    max-width: none;
    max-height: calc(100dvh - 16px);
    overflow: auto;
    padding: var(--_pad);
    border: 1px solid var(--_border);
    border-radius: var(--etax-step-up-radius, var(--_radius));
    background: var(--_surface);
    color: var(--_text);
    font: inherit;
    line-height: var(--_line);
    box-shadow: 0 12px 32px rgb(0 0 0 / 0.3);
  }
  dialog::backdrop {
    background: var(--etax-step-up-backdrop, var(--_scrim, rgb(0 0 0 / 0.5)));
  }
  dialog[open] {
    display: flex;
    flex-direction: column;
    gap: var(--_pad);
  }
  header {
    display: flex;
    align-items: flex-start;
    justify-content: space-between;
    gap: 0.5em;
  }
  h2 {
    margin: 0;
    font-size: 1.25em;
    line-height: 1.4;
  }
  .close {
    flex: none;
    min-width: var(--_control-height);
    padding: 0;
    margin: calc(var(--_pad) / -4) calc(var(--_pad) / -4) 0 0;
    border-color: transparent;
    font-size: 1.5em;
    line-height: 1;
  }
  .close:hover {
    background: var(--_subtle);
  }
  p {
    margin: 0;
  }
  .intro {
    color: var(--_muted);
  }
  .methods {
    display: grid;
    gap: 0.5em;
  }
  [part~='method'] {
    display: flex;
    align-items: center;
    gap: 0.6em;
    width: 100%;
    padding: 0.5em 0.9em;
    text-align: start;
    line-height: 1.3;
  }
  /* A marker beside the words, so the chosen method is never told by colour alone. */
  [part~='method']::before {
    content: '';
    flex: none;
    width: 0.9em;
    height: 0.9em;
    border: 2px solid var(--_border);
    border-radius: 50%;
  }
  [part~='method'][aria-selected='true'] {
    border: 2px solid var(--_primary);
    background: var(--_subtle);
    font-weight: 600;
  }
  [part~='method'][aria-selected='true']::before {
    border: 0.28em solid var(--_primary);
  }
  [part~='method'][aria-disabled='true'] {
    cursor: not-allowed;
  }
  .panel {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
  }
  .status:empty {
    display: none;
  }
  .status.error {
    display: flex;
    gap: 0.4em;
    align-items: baseline;
  }
  /* A shape beside the words, so a failure is never told by colour alone. */
  .status.error::before {
    content: '!';
    flex: none;
    display: inline-grid;
    place-items: center;
    width: 1.25em;
    height: 1.25em;
    border-radius: 50%;
    background: var(--_error);
    color: var(--_surface);
    font-weight: 700;
    line-height: 1;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5em;
  }
  .actions button {
    flex: 1 1 10em;
  }
  fieldset {
    display: grid;
    gap: 0.5em;
    margin: 0;
    padding: 0;
    border: 0;
    min-width: 0;
  }
  legend {
    padding: 0;
    margin-bottom: 0.5em;
    color: var(--_muted);
  }
  .choice {
    display: flex;
    align-items: flex-start;
    gap: 0.6em;
    padding: 0.6em 0.9em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    cursor: pointer;
  }
  .choice:has(:checked) {
    border: 2px solid var(--_primary);
    background: var(--_subtle);
  }
  .choice input {
    flex: none;
    width: 1.1em;
    height: 1.1em;
    margin: 0.2em 0 0;
    accent-color: var(--_primary);
  }
  .who {
    display: grid;
    min-width: 0;
  }
  .name {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .tin {
    font-variant-numeric: tabular-nums;
    overflow-wrap: anywhere;
  }
  form {
    display: grid;
    gap: var(--_pad);
  }
  .expiry {
    margin-top: calc(var(--_pad) / -2);
    font-size: 0.875em;
  }
  @media (forced-colors: active) {
    dialog {
      border: 2px solid CanvasText;
    }
    [part~='method'][aria-selected='true'],
    .choice:has(:checked) {
      border-color: Highlight;
    }
    [part~='method'][aria-selected='true']::before {
      border-color: Highlight;
    }
    .status.error::before {
      forced-color-adjust: none;
      background: CanvasText;
      color: Canvas;
    }
  }
`;
