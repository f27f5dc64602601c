/**
 * Fields, buttons, errors and screen-reader text: the same rules in the shadow roots and in
 * the password form that `<etax-login>` keeps in its light DOM (nested under its form host in
 * `formStyles`), so they are written once. The classes are `etax-` names in both places, so
 * that a page's rules for its own classes never meet the light-DOM form's.
 */
import { css } from 'lit';

export const controls = css`
  input,
  button {
    box-sizing: border-box;
    font: inherit;
    min-height: var(--_control-height);
    margin: 0;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
  }
  input {
    width: 100%;
    padding: 0 0.75em;
    box-shadow: none;
  }
  button {
    padding: 0 1em;
    cursor: pointer;
  }
  :disabled {
    cursor: not-allowed;
    opacity: 0.65;
  }
  [aria-invalid='true'] {
    border: 2px solid var(--_error);
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  .etax-primary {
    background: var(--_primary);
    border-color: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }
  .etax-primary:hover {
    background: var(--_primary-hover);
  }
  .etax-error {
    color: var(--_error);
  }
  /* A sign before the words, so an error is never told by colour alone. */
  .etax-error::before {
    content: '⚠ ';
  }
  .etax-warning {
    color: var(--_warning);
  }
  .etax-visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  @media (forced-colors: active) {
    input,
    button {
      border-color: ButtonText;
    }
    :focus-visible {
      outline-color: Highlight;
    }
    .etax-primary {
      forced-color-adjust: none;
      background: ButtonText;
      color: ButtonFace;
    }
  }
`;
