import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    container-type: inline-size;
    max-width: var(--etax-login-max-width, 880px);
  }
  .base {
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: calc(var(--_radius) * 2);
    padding: calc(var(--_gap) * 1.5);
  }
  .panels {
    display: grid;
    grid-template-columns: minmax(0, 5fr) minmax(0, 6fr);
    gap: calc(var(--_gap) * 2);
  }
  @container (max-width: 640px) {
    .panels {
      grid-template-columns: minmax(0, 1fr);
    }
  }
  .panel.qr {
    display: flex;
    flex-direction: column;
    align-items: center;
    text-align: center;
    border-right: 1px solid var(--_subtle);
    padding-right: calc(var(--_gap) * 2);
  }
  @container (max-width: 640px) {
    .panel.qr {
      border-right: 0;
      padding-right: 0;
      border-bottom: 1px solid var(--_subtle);
      padding-bottom: var(--_gap);
    }
  }
  h2 {
    font-size: 1.125em;
    margin: 0 0 var(--_gap);
    font-weight: 600;
  }
  .badge {
    display: inline-block;
    font-size: 0.75em;
    font-weight: 500;
    padding: 0 0.5em;
    margin-left: 0.25em;
    border: 1px solid var(--_primary);
    border-radius: 999px;
    color: var(--_primary);
    vertical-align: middle;
  }
  .help {
    margin-top: var(--_gap);
    text-align: left;
    width: 100%;
    font-size: 0.875em;
  }
  :host([large-text]) .help {
    font-size: 1em;
  }
  .help summary {
    cursor: pointer;
    color: var(--_primary);
    min-height: 24px;
  }
  .help ul {
    padding-left: 1.25em;
    margin: 0.5em 0 0;
  }
  .links {
    display: flex;
    justify-content: space-between;
    margin: var(--_gap) 0 0;
  }
  a {
    color: var(--_primary);
  }
  .success {
    text-align: center;
    padding: calc(var(--_gap) * 3) var(--_gap);
  }
  .success strong {
    display: block;
    font-size: 1.25em;
    color: var(--_success);
  }
`;

/**
 * Styles of the light-DOM password form, adopted into the element's tree.
 * Selectors are scoped under `etax-login .etax-form` and set every property
 * they rely on, so ordinary page rules (`input {}`, `.form-control`) do not
 * reshape the form, and nothing here reaches the page's own elements.
 */
export const formStyles = css`
  etax-login .etax-form {
    display: block;
    margin: 0;
    font: inherit;
    color: inherit;
  }
  etax-login .etax-tabs {
    display: flex;
    gap: 0.25em;
    border-bottom: 1px solid var(--_border);
    margin: 0 0 var(--_gap);
  }
  etax-login .etax-tab {
    font: inherit;
    flex: 1 1 0;
    min-height: var(--_control-height);
    margin: 0 0 -1px;
    padding: 0 0.5em;
    border: 0;
    border-bottom: 3px solid transparent;
    border-radius: 0;
    background: none;
    color: var(--_muted);
    cursor: pointer;
  }
  etax-login .etax-tab[aria-selected='true'] {
    color: var(--_primary);
    border-bottom-color: var(--_primary);
    font-weight: 600;
  }
  etax-login .etax-field {
    margin: 0 0 var(--_gap);
  }
  etax-login .etax-field label {
    display: block;
    margin: 0 0 0.25em;
    font-weight: 500;
  }
  etax-login .etax-field input {
    font: inherit;
    display: block;
    width: 100%;
    min-height: var(--_control-height);
    margin: 0;
    padding: 0 0.75em;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_text);
    box-shadow: none;
    box-sizing: border-box;
  }
  etax-login .etax-field input[aria-invalid='true'] {
    border: 2px solid var(--_error);
  }
  etax-login .etax-password {
    display: flex;
    gap: 0.5em;
  }
  etax-login .etax-password input {
    flex: 1 1 auto;
    min-width: 0;
  }
  etax-login .etax-reveal,
  etax-login .etax-submit {
    font: inherit;
    min-height: var(--_control-height);
    border-radius: var(--_radius);
    cursor: pointer;
    margin: 0;
  }
  etax-login .etax-reveal {
    flex: none;
    padding: 0 0.75em;
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_text);
  }
  etax-login .etax-submit {
    display: block;
    width: 100%;
    padding: 0 1em;
    border: 1px solid var(--_primary);
    background: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }
  etax-login .etax-submit[aria-disabled='true'] {
    opacity: 0.65;
    cursor: progress;
  }
  etax-login .etax-form :focus-visible {
    outline: 3px solid var(--_focus);
    outline-offset: 2px;
  }
  etax-login .etax-note {
    margin: 0.25em 0 0;
    font-size: 0.875em;
  }
  etax-login[large-text] .etax-note {
    font-size: 1em;
  }
  etax-login .etax-error {
    color: var(--_error);
  }
  etax-login .etax-error::before {
    content: '⚠ ';
  }
  etax-login .etax-warning {
    color: var(--_warning);
  }
  etax-login .etax-alert:empty {
    display: none;
  }
  etax-login .etax-alert {
    margin: 0 0 var(--_gap);
  }
  etax-login .etax-visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  @media (forced-colors: active) {
    etax-login .etax-tab[aria-selected='true'] {
      border-bottom-color: Highlight;
    }
    etax-login .etax-submit {
      forced-color-adjust: none;
      background: ButtonText;
      color: ButtonFace;
    }
  }
`;
