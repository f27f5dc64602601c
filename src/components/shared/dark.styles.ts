/**
 * The dark palette: the declarations that two rules of `tokens` share (dark by the system's
 * preference, and `theme="dark"`). A list of declarations is no stylesheet a CSS parser can
 * read on its own, so the build leaves this file as written (rollup.config.mjs).
 */
import { css } from 'lit';

export const dark = css`
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
