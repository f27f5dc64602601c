import { css } from 'lit';

export const styles = css`
  :host {
    max-width: var(--etax-login-max-width, 880px);
  }
  .base {
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 2);
    padding: calc(var(--_gap) * 1.5);
  }
  /* Side by side while both fit, QR first; stacked on narrow screens. */
  .panels {
    display: flex;
    flex-wrap: wrap;
    gap: calc(var(--_gap) * 2);
  }
  .panels > div {
    flex: 5 1 15rem;
    min-width: 0;
  }
  .password {
    flex-grow: 6;
  }
  .qr {
    display: flex;
    flex-direction: column;
    align-items: center;
    text-align: center;
  }
  h2 {
    font-size: 1.125em;
    margin: 0 0 var(--_gap);
  }
  .badge {
    font-size: 0.75em;
    white-space: nowrap;
    font-weight: 500;
    padding: 0 0.5em;
    border: 1px solid;
    border-radius: 1em;
    vertical-align: middle;
  }
  .badge,
  a,
  summary {
    color: var(--_primary);
  }
  details {
    margin-top: var(--_gap);
    text-align: start;
    font-size: var(--_small);
  }
  summary {
    cursor: pointer;
    min-height: 24px;
  }
  /* Large text: every control at least 44 × 44 px, every text at least 18 px. */
  :host([large-text]) .badge {
    font-size: max(0.75em, 18px);
  }
  :host([large-text]) summary,
  :host([large-text]) .links a {
    display: inline-flex;
    align-items: center;
    min-height: 44px;
    min-width: 44px;
  }
  ul {
    margin: 0.5em 0 0;
    padding-left: 1.25em;
  }
  .links {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    gap: 0 var(--_gap);
    margin-top: var(--_gap);
  }
  /* Text from the server (names, labels, codes) may be of any length: it wraps, never widens the block. */
  .base,
  .success {
    overflow-wrap: anywhere;
  }
  .success {
    text-align: center;
    padding: calc(var(--_gap) * 3) var(--_gap);
  }
  strong {
    display: block;
    font-size: 1.25em;
    color: var(--_success);
  }
  /* Who logged in: the masked name, the capacity, the enterprise. */
  .who {
    display: grid;
    grid-template-columns: auto minmax(0, 1fr);
    gap: 0.25em 0.75em;
    width: fit-content;
    max-width: 100%;
    margin: var(--_gap) auto;
    text-align: start;
  }
  .who div {
    display: contents;
  }
  .who dt {
    color: var(--_muted);
  }
  .who dd {
    margin: 0;
    min-width: 0;
    font-weight: 600;
  }
`;

/**
 * The password form lives in the light DOM (for password managers), so its
 * rules are written for that place: every selector starts at the element's
 * own form host (`etax-login > .etax-form-host`), every class carries the
 * `etax-` prefix, and the page's rules for its own classes never meet ours.
 * The `--_*` custom properties come from the element's shadow styles, which
 * its light-DOM children inherit.
 */
export const formStyles = css`
  etax-login > .etax-form-host {
    display: block;
    overflow-wrap: anywhere;
  }
  etax-login > .etax-form-host input,
  etax-login > .etax-form-host button {
    box-sizing: border-box;
    font: inherit;
    min-height: var(--_control-height);
    margin: 0;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
  }
  etax-login > .etax-form-host input {
    width: 100%;
    min-width: 0;
    padding: 0 0.75em;
    box-shadow: none;
  }
  etax-login > .etax-form-host button {
    padding: 0 1em;
    cursor: pointer;
  }
  etax-login > .etax-form-host .etax-primary {
    background: var(--_primary);
    border-color: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }
  etax-login > .etax-form-host .etax-primary:hover {
    background: var(--_primary-hover);
  }
  etax-login > .etax-form-host [aria-invalid='true'] {
    border: 2px solid var(--_error);
  }
  etax-login > .etax-form-host :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  etax-login > .etax-form-host .etax-error {
    color: var(--_error);
  }
  /* A sign before the words, so an error is never told by colour alone. */
  etax-login > .etax-form-host .etax-error::before {
    content: '⚠ ';
  }
  etax-login > .etax-form-host .etax-warning {
    color: var(--_warning);
  }
  etax-login > .etax-form-host .etax-visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }

  etax-login > .etax-form-host .etax-tabs {
    display: flex;
    /* Large text on a narrow screen: a tab that does not fit goes to a second row, never out of sight. */
    flex-wrap: wrap;
    gap: 0.25em;
    border-bottom: 1px solid var(--_border);
    margin-bottom: var(--_gap);
  }
  /* The selected tab's mark is a border it alone has (the others have none), so forced colours keep it. */
  etax-login > .etax-form-host .etax-tab {
    flex: 1 0 auto;
    max-width: 100%;
    white-space: nowrap;
    margin-bottom: -1px;
    padding: 0 0.5em 3px;
    border: 0;
    border-radius: 0;
    background: none;
    color: var(--_muted);
  }
  /* A label longer than the row (from the server) wraps inside its tab. */
  etax-login > .etax-form-host .etax-tab > bdi {
    white-space: normal;
  }
  etax-login > .etax-form-host .etax-tab[aria-selected='true'] {
    padding-bottom: 0;
    border-bottom: 3px solid var(--_primary);
    color: var(--_primary);
    font-weight: 600;
  }
  etax-login > .etax-form-host .etax-field {
    margin-bottom: var(--_gap);
  }
  etax-login > .etax-form-host label {
    display: block;
    margin-bottom: 0.25em;
    font-weight: 500;
  }
  /* The show-password button sits inside the field, so the password input is as wide as the others. */
  etax-login > .etax-form-host .etax-row {
    position: relative;
  }
  etax-login > .etax-form-host .etax-row > [name='password'] {
    padding-inline-end: var(--_control-height);
  }
  etax-login > .etax-form-host .etax-reveal {
    position: absolute;
    inset-block: 0;
    inset-inline-end: 0;
    display: grid;
    place-items: center;
    width: var(--_control-height);
    padding: 0;
    border-color: transparent;
    background: none;
    color: var(--_muted);
  }
  etax-login > .etax-form-host .etax-reveal svg {
    width: 1.25em;
    height: 1.25em;
  }
  etax-login > .etax-form-host .etax-submit {
    width: 100%;
  }
  etax-login > .etax-form-host .etax-submit[aria-disabled='true'] {
    opacity: 0.65;
    cursor: progress;
  }
  etax-login > .etax-form-host .etax-note {
    margin: 0.25em 0 0;
    font-size: var(--_small);
  }
  etax-login > .etax-form-host .etax-alert {
    margin-bottom: var(--_gap);
  }
  etax-login > .etax-form-host .etax-alert:empty {
    display: none;
  }
  etax-login > .etax-form-host .etax-locked {
    display: grid;
    gap: var(--_gap);
  }
  /* Focused by the element when it appears (so it is read); not a control to outline. */
  etax-login > .etax-form-host .etax-locked:focus {
    outline: none;
  }
  etax-login > .etax-form-host .etax-locked p {
    margin: 0;
  }
  etax-login > .etax-form-host .etax-locked a {
    display: inline-flex;
    align-items: center;
    min-height: var(--_control-height);
    color: var(--_primary);
  }
  @media (forced-colors: active) {
    etax-login > .etax-form-host input,
    etax-login > .etax-form-host button {
      border-color: ButtonText;
    }
    etax-login > .etax-form-host .etax-primary {
      forced-color-adjust: none;
      background: ButtonText;
      color: ButtonFace;
    }
    etax-login > .etax-form-host :focus-visible {
      outline-color: Highlight;
    }
    etax-login > .etax-form-host .etax-reveal {
      border-color: transparent;
    }
    /* Selected: a thicker bar in the system's highlight colour, and the label in it too. */
    etax-login > .etax-form-host .etax-tab[aria-selected='true'] {
      border-bottom: 5px solid Highlight;
      color: Highlight;
    }
  }
`;
