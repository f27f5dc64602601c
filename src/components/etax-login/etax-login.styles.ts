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
  ul {
    margin: 0.5em 0 0;
    padding-left: 1.25em;
  }
  .links {
    display: flex;
    justify-content: space-between;
    margin-top: var(--_gap);
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
`;

/**
 * The light-DOM password form's own rules (beside the shared field and button
 * rules), written as for a shadow root: `lightDom()` scopes them under
 * `etax-login` and prefixes their class names.
 */
export const formStyles = css`
  .tabs {
    display: flex;
    /* Large text on a narrow screen: a tab that does not fit goes to a second row, never out of sight. */
    flex-wrap: wrap;
    gap: 0.25em;
    border-bottom: 1px solid var(--_border);
    margin-bottom: var(--_gap);
  }
  .tab {
    flex: 1 0 auto;
    white-space: nowrap;
    margin-bottom: -1px;
    padding: 0 0.5em;
    border: 0;
    border-bottom: 3px solid transparent;
    border-radius: 0;
    background: none;
    color: var(--_muted);
  }
  .tab[aria-selected='true'] {
    color: var(--_primary);
    border-color: var(--_primary);
    font-weight: 600;
  }
  .field {
    margin-bottom: var(--_gap);
  }
  label {
    display: block;
    margin-bottom: 0.25em;
    font-weight: 500;
  }
  .row {
    display: flex;
    gap: 0.5em;
  }
  .row input {
    min-width: 0;
  }
  .reveal {
    flex: none;
    padding: 0 0.75em;
  }
  .submit {
    width: 100%;
  }
  .submit[aria-disabled='true'] {
    opacity: 0.65;
    cursor: progress;
  }
  .note {
    margin: 0.25em 0 0;
    font-size: var(--_small);
  }
  .alert {
    margin-bottom: var(--_gap);
  }
  .alert:empty {
    display: none;
  }
  @media (forced-colors: active) {
    .tab[aria-selected='true'] {
      border-color: Highlight;
    }
  }
`;
