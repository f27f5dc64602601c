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
    /* Text of any length (names, numbers, messages from the server) wraps rather than widening the dialog. */
    overflow-wrap: anywhere;
  }
  dialog::backdrop {
    background: var(--etax-step-up-backdrop, var(--_scrim, rgb(0 0 0 / 0.5)));
  }
  dialog[open],
  form,
  .methods,
  fieldset {
    display: grid;
    /* One column no wider than the dialog, whatever its content: the close button stays in reach. */
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_pad);
  }
  .bar,
  .actions,
  [part~='method'],
  .choice {
    display: flex;
    gap: 0.5em;
  }
  .bar {
    align-items: flex-start;
    justify-content: space-between;
  }
  h2 {
    min-width: 0;
    margin: 0;
    font-size: 1.25em;
    line-height: 1.4;
  }
  .close {
    flex: none;
    min-width: var(--_control-height);
    padding: 0;
    border-color: transparent;
    font-size: 1.5em;
    line-height: 1;
  }
  .close:hover,
  [aria-checked='true'],
  .choice:has(:checked) {
    background: var(--_subtle);
  }
  .methods,
  fieldset {
    gap: 0.5em;
  }
  [part~='method'],
  .choice {
    align-items: center;
    min-height: var(--_control-height);
    padding: 0.5em 0.9em;
    text-align: start;
    line-height: 1.3;
  }
  [part~='method'] {
    width: 100%;
  }
  /* A ring beside each choice, filled for the chosen one, so the choice is never told by colour alone. */
  [part~='method']::before,
  .choice::before {
    content: '';
    flex: none;
    width: 0.9em;
    height: 0.9em;
    border: 2px solid var(--_border);
    border-radius: 50%;
  }
  [aria-checked='true'],
  .choice:has(:checked) {
    border: 2px solid var(--_primary);
  }
  [aria-checked='true'] {
    font-weight: 600;
  }
  [aria-checked='true']::before,
  .choice:has(:checked)::before {
    border: 0.28em solid var(--_primary);
  }
  .status:empty {
    display: none;
  }
  .status {
    unicode-bidi: isolate;
  }
  .actions {
    flex-wrap: wrap;
  }
  .actions button {
    flex: 1 1 10em;
    min-width: 0;
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
  /* Each identity is one card: the whole card is its radio (the native one, drawn by the ring), so it is
     as large as the card to press, in every text size. */
  .choice {
    position: relative;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
  }
  .choice input {
    position: absolute;
    inset: 0;
    width: 100%;
    height: 100%;
    min-height: 0;
    margin: 0;
    opacity: 0;
    cursor: pointer;
  }
  .choice:has(:focus-visible) {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  .choice span {
    display: grid;
    min-width: 0;
  }
  .name {
    font-weight: 600;
  }
  .expiry {
    font-size: var(--_small);
  }
  @media (forced-colors: active) {
    dialog {
      border: 2px solid CanvasText;
    }
    [aria-checked='true'],
    .choice:has(:checked) {
      border-color: Highlight;
    }
    /* Colours are the system's here: the chosen ring is filled, the others are empty. */
    [part~='method']::before,
    .choice::before {
      forced-color-adjust: none;
      border-color: CanvasText;
      background: Canvas;
    }
    [aria-checked='true']::before,
    .choice:has(:checked)::before {
      border: 2px solid Highlight;
      background: Highlight;
      box-shadow: inset 0 0 0 0.15em Canvas;
    }
  }
`;
