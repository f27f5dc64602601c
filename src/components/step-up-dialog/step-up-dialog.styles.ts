import { css } from 'lit';

export const styles = css`
  :host {
    --_pad: var(--etax-step-up-padding, var(--_gap));
    display: contents;
  }
  dialog {
    width: min(var(--etax-step-up-width, 34rem), calc(100vw - 16px));
    max-width: none;
    max-height: calc(100dvh - 16px);
    padding: var(--_pad);
    border: 1px solid var(--_border);
    border-radius: var(--etax-step-up-radius, var(--_radius));
    background: var(--_surface);
    color: var(--_text);
    box-shadow: 0 12px 32px rgb(0 0 0 / 0.3);
  }
  dialog::backdrop {
    background: var(--etax-step-up-backdrop, var(--_scrim, rgb(0 0 0 / 0.5)));
  }
  dialog[open],
  form,
  .methods,
  fieldset {
    display: grid;
    gap: var(--_pad);
  }
  header,
  .actions,
  [part~='method'],
  .choice {
    display: flex;
    gap: 0.5em;
  }
  header {
    align-items: flex-start;
    justify-content: space-between;
  }
  h2 {
    margin: 0;
    font-size: 1.25em;
    line-height: 1.4;
  }
  .close {
    min-width: var(--_control-height);
    padding: 0;
    border-color: transparent;
    font-size: 1.5em;
    line-height: 1;
  }
  .close:hover,
  [aria-selected='true'],
  .choice:has(:checked) {
    background: var(--_subtle);
  }
  .methods,
  fieldset {
    gap: 0.5em;
  }
  [part~='method'] {
    align-items: center;
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
  [aria-selected='true'],
  .choice:has(:checked) {
    border: 2px solid var(--_primary);
    font-weight: 600;
  }
  [aria-selected='true']::before {
    border: 0.28em solid var(--_primary);
  }
  .status:empty {
    display: none;
  }
  .actions {
    flex-wrap: wrap;
  }
  .actions button {
    flex: 1 1 10em;
  }
  fieldset {
    margin: 0;
    padding: 0;
    border: 0;
    min-width: 0;
  }
  legend {
    padding: 0;
    margin-bottom: 0.5em;
  }
  .choice {
    padding: 0.6em 0.9em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    cursor: pointer;
  }
  .choice input {
    flex: none;
    width: 1.1em;
    height: 1.1em;
    min-height: 0;
    margin: 0.2em 0 0;
    accent-color: var(--_primary);
  }
  .choice span {
    display: grid;
    overflow-wrap: anywhere;
  }
  b {
    font-weight: 600;
  }
  .expiry {
    font-size: var(--_small);
  }
  @media (forced-colors: active) {
    dialog {
      border: 2px solid CanvasText;
    }
    [aria-selected='true'],
    .choice:has(:checked),
    [aria-selected='true']::before {
      border-color: Highlight;
    }
  }
`;
