/**
 * The styling contract shared by the four elements.
 *
 * Hosts theme with `--etax-*` custom properties (set on the element or any
 * ancestor); each element reads them into private `--_*` properties with the
 * built-in value as fallback, so an unset token never blanks a colour. Dark
 * mode follows `prefers-color-scheme` unless `theme="light"`, or is forced
 * with `theme="dark"`. `large-text` is the elder-friendly (适老化) mode: body
 * text ≥ 18 px and line spacing ≥ 1.5. Every pair of text and background
 * colours here meets WCAG AA (4.5:1).
 */
import { css } from 'lit';

const light = css`
  --_primary: var(--etax-color-primary, #0b57d0);
  --_primary-hover: var(--etax-color-primary-hover, #0842a0);
  --_on-primary: var(--etax-color-on-primary, #ffffff);
  --_text: var(--etax-color-text, #1f2328);
  --_muted: var(--etax-color-muted, #57606a);
  --_surface: var(--etax-color-surface, #ffffff);
  --_subtle: var(--etax-color-subtle, #f3f5f8);
  --_border: var(--etax-color-border, #8c959f);
  --_error: var(--etax-color-error, #c21d1d);
  --_warning: var(--etax-color-warning, #8a4b00);
  --_success: var(--etax-color-success, #1a7f37);
  --_focus: var(--etax-color-focus, #0b57d0);
  --_scrim: var(--etax-color-scrim, rgb(0 0 0 / 0.5));
`;

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
`;

export const tokens = css`
  :host {
    ${light}
    --_font: var(--etax-font-family, system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif);
    --_size: var(--etax-font-size, 16px);
    --_line: var(--etax-line-height, 1.5);
    --_radius: var(--etax-radius, 6px);
    --_gap: var(--etax-spacing, 16px);
    --_control-height: var(--etax-control-height, 44px);
    --_duration: var(--etax-transition-duration, 150ms);
    color-scheme: light;
    box-sizing: border-box;
    font-family: var(--_font);
    font-size: var(--_size);
    line-height: var(--_line);
    color: var(--_text);
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
      color-scheme: dark;
    }
  }
  :host([theme='dark']) {
    ${dark}
    color-scheme: dark;
  }
  :host([large-text]) {
    --_size: var(--etax-font-size-large, 20px);
    --_line: var(--etax-line-height-large, 1.6);
    --_control-height: var(--etax-control-height-large, 52px);
  }
  :host([hidden]) {
    display: none !important;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  button {
    font: inherit;
    min-height: var(--_control-height);
    padding: 0 1em;
    border-radius: var(--_radius);
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
    cursor: pointer;
  }
  button.primary {
    background: var(--_primary);
    border-color: var(--_primary);
    color: var(--_on-primary);
  }
  button.primary:hover:not(:disabled) {
    background: var(--_primary-hover);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.65;
  }
  button.link {
    min-height: auto;
    padding: 0;
    border: 0;
    background: none;
    color: var(--_primary);
    text-decoration: underline;
  }
  .error {
    color: var(--_error);
  }
  .warning {
    color: var(--_warning);
  }
  .muted {
    color: var(--_muted);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
  @media (forced-colors: active) {
    button,
    input {
      border: 1px solid ButtonText;
    }
    button.primary {
      background: ButtonText;
      color: ButtonFace;
      forced-color-adjust: none;
    }
    :focus-visible {
      outline-color: Highlight;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      transition-duration: 0s !important;
      animation-duration: 0s !important;
      animation-iteration-count: 1 !important;
    }
  }
`;
