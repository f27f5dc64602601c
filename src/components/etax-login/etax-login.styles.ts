import { css } from 'lit';
import { fields } from '../shared/tokens.styles.js';

/**
 * The block's shadow rules. In large-text mode every control is at least 44 × 44 px and every
 * text at least 18 px. Text from the server (names, labels, codes) may be of any length: it
 * wraps, never widens the block. `.who`: who logged in (masked name, capacity, enterprise).
 */
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
 * The password form lives in the light DOM (for password managers), so its rules are
 * written for that place: nested under the element's own form host, with `etax-`
 * class names, so that the page's rules for its own classes never meet ours. The
 * `--_*` properties come from the element's shadow styles, which its children inherit.
 *
 * A tab that does not fit goes to a second row; a label longer than the row (from the server)
 * wraps inside its tab. Only the selected tab has a bottom border, so forced colours cannot
 * draw one under the others; there it is a thicker bar in the system's highlight colour. The
 * show-password button sits inside the field, so the password input is as wide as the others.
 */
export const formStyles = css`
  etax-login > .etax-form-host {
    display: block;
    overflow-wrap: anywhere;
    ${fields}
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
    .etax-tabs {
      display: flex;
      flex-wrap: wrap;
      gap: 0.25em;
      border-bottom: 1px solid var(--_border);
      margin-bottom: var(--_gap);
    }
    .etax-tab {
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
    .etax-tab > bdi {
      white-space: normal;
    }
    .etax-tab[aria-selected='true'] {
      padding-bottom: 0;
      border-bottom: 3px solid var(--_primary);
      color: var(--_primary);
      font-weight: 600;
    }
    .etax-field {
      margin-bottom: var(--_gap);
    }
    label {
      display: block;
      margin-bottom: 0.25em;
      font-weight: 500;
    }
    .etax-row {
      position: relative;
    }
    .etax-row > [name='password'] {
      padding-inline-end: var(--_control-height);
    }
    .etax-reveal {
      position: absolute;
      inset-block: 0;
      inset-inline-end: 0;
      display: grid;
      place-items: center;
      width: var(--_control-height);
      padding: 0;
      border: 0;
      background: none;
      color: var(--_muted);
    }
    .etax-reveal svg {
      width: 1.25em;
    }
    .etax-submit {
      width: 100%;
    }
    .etax-submit[aria-disabled='true'] {
      opacity: 0.65;
      cursor: progress;
    }
    .etax-note {
      margin: 0.25em 0 0;
      font-size: var(--_small);
    }
    .etax-alert {
      margin-bottom: var(--_gap);
    }
    .etax-alert:empty {
      display: none;
    }
    .etax-locked {
      display: grid;
      gap: var(--_gap);
      outline: none;
    }
    .etax-locked p {
      margin: 0;
    }
    .etax-locked a {
      display: inline-flex;
      align-items: center;
      min-height: var(--_control-height);
      color: var(--_primary);
    }
    @media (forced-colors: active) {
      .etax-primary {
        forced-color-adjust: none;
        background: ButtonText;
        color: ButtonFace;
      }
      .etax-tab[aria-selected='true'] {
        border-bottom: 5px solid Highlight;
        color: Highlight;
      }
    }
  }
`;
