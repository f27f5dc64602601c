import { css } from 'lit';
import { tokens } from '../shared/tokens.styles.js';

export const styles = [
  tokens,
  css`
    :host {
      display: block;
      --_gap-s: calc(var(--_gap) / 2);
    }
    form {
      display: grid;
      gap: var(--_gap-s);
    }
    p {
      margin: 0;
    }
    label {
      font-weight: 600;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: var(--_gap-s);
    }
    input {
      flex: 1 1 6em;
      min-width: 0;
      min-height: var(--_control-height);
      padding: 0 0.75em;
      font: inherit;
      font-size: var(--etax-sms-code-font-size, 1.125em);
      font-variant-numeric: tabular-nums;
      letter-spacing: var(--etax-sms-code-letter-spacing, 0.15em);
      color: var(--_text);
      background: var(--_surface);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
    }
    input[aria-invalid='true'] {
      border: 2px solid var(--_error);
    }
    /* Wide enough for the countdown, so the field does not jump when it starts. */
    [part='send'] {
      flex: 0 0 auto;
      min-width: var(--etax-sms-send-min-width, 9.5em);
      font-variant-numeric: tabular-nums;
    }
    [part='submit'] {
      width: 100%;
      margin-top: var(--_gap-s);
    }
    .error {
      display: flex;
      gap: 0.4em;
      align-items: baseline;
    }
    .error[hidden] {
      display: none;
    }
    /* A shape beside the words, so an error is never told by colour alone. */
    .error::before {
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
  `,
];
