/**
 * The styling contract shared by the four elements.
 *
 * Hosts theme with `--etax-*` custom properties (set on the element or any
 * ancestor); each element reads them into private `--_*` properties with the
 * built-in value as fallback, so an unset token never blanks a colour. Dark
 * mode follows `prefers-color-scheme` unless `theme="light"`, or is forced
 * with `theme="dark"`. `large-text` is the elder-friendly (适老化) mode: body
 * text ≥ 18 px and line spacing ≥ 1.5. Every pair of text and background
 * colours here meets WCAG AA (4.5:1). Nothing here moves, so there is no
 * motion for `prefers-reduced-motion` to stop.
 */
import { css } from 'lit';

const dark = css`
  --_primary: var(--etax-color-primary, #8ab4f8);
  --_primary-hover: var(--etax-color-primary-hover, #aecbfa);
  --_on-primary: var(--etax-color-on-primary, #0b1a33);
  --_text: var(--etax-color-text, #e6edf3);
  --_muted: var(--etax-color-muted, #a8b3bf);
  --_surface: var(--etax-color-surface, #1c2128);
  --_subtle: var(--etax-color-subtle, #262c36);
  --_border: var(--etax-color-border, #7d8590);
  --_error: var(--etax-color-error, #ff8c82);
  --_warning: var(--etax-color-warning, #e3b341);
  --_success: var(--etax-color-success, #56d364);
  --_focus: var(--etax-color-focus, #8ab4f8);
  --_scrim: var(--etax-color-scrim, rgb(0 0 0 / 0.7));
  color-scheme: dark;
`;

export const tokens = css`
  :host {
    --_primary: var(--etax-color-primary, #0b57d0);
    --_primary-hover: var(--etax-color-primary-hover, #0842a0);
    --_on-primary: var(--etax-color-on-primary, #fff);
    --_text: var(--etax-color-text, #1f2328);
    --_muted: var(--etax-color-muted, #57606a);
    --_surface: var(--etax-color-surface, #fff);
    --_subtle: var(--etax-color-subtle, #f3f5f8);
    --_border: var(--etax-color-border, #8c959f);
    --_error: var(--etax-color-error, #c21d1d);
    --_warning: var(--etax-color-warning, #8a4b00);
    --_success: var(--etax-color-success, #1a7f37);
    --_focus: var(--etax-color-focus, #0b57d0);
    --_scrim: var(--etax-color-scrim, rgb(0 0 0 / 0.5));
    --_radius: var(--etax-radius, 6px);
    --_gap: var(--etax-spacing, 16px);
    --_control-height: var(--etax-control-height, 44px);
    /* Secondary text: smaller, but not in large-text mode. */
    --_small: 0.875em;
    display: block;
    color-scheme: light;
    font: var(--etax-font-size, 16px) / var(--etax-line-height, 1.5)
      var(
        --etax-font-family,
        system-ui,
        -apple-system,
        'PingFang SC',
        'Microsoft YaHei',
        'Noto Sans CJK SC',
        sans-serif
      );
    color: var(--_text);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
  :host([theme='dark']) {
    ${dark}
  }
  :host([large-text]) {
    --_control-height: var(--etax-control-height-large, 52px);
    --_small: 1em;
    font-size: var(--etax-font-size-large, 20px);
    line-height: var(--etax-line-height-large, 1.6);
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  ::before {
    box-sizing: border-box;
  }
  p {
    margin: 0;
  }
  .muted {
    color: var(--_muted);
  }
`;

/**
 * Fields and buttons, by element: the same rules in the shadow roots (in `controls`) and in
 * the password form that `<etax-login>` keeps in its light DOM (nested under its form host in
 * `formStyles`), so they are written once.
 */
export const fields = css`
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
  @media (forced-colors: active) {
    input,
    button {
      border-color: ButtonText;
    }
    :focus-visible {
      outline-color: Highlight;
    }
  }
`;

/** Fields, buttons, errors and screen-reader text of the shadow roots. */
export const controls = css`
  ${fields}
  .primary {
    background: var(--_primary);
    border-color: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }
  .primary:hover {
    background: var(--_primary-hover);
  }
  .error {
    color: var(--_error);
  }
  /* A sign before the words, so an error is never told by colour alone. */
  .error::before {
    content: '⚠ ';
  }
  .warning {
    color: var(--_warning);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  @media (forced-colors: active) {
    .primary {
      forced-color-adjust: none;
      background: ButtonText;
      color: ButtonFace;
    }
  }
`;
