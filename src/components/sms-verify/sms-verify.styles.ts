import { css } from 'lit';

export const styles = css`
  form,
  .row {
    display: grid;
    gap: calc(var(--_gap) / 2);
  }
  /* Text of any length from the server (the masked phone, a message) wraps: 获取验证码 and 登录 stay in reach. */
  form {
    grid-template-columns: minmax(0, 1fr);
    overflow-wrap: anywhere;
  }
  .error {
    unicode-bidi: isolate;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
  }
  label {
    font-weight: 600;
  }
  input {
    flex: 1 1 6em;
    min-width: 0;
    font-size: var(--etax-sms-code-font-size, 1.125em);
    letter-spacing: var(--etax-sms-code-letter-spacing, 0.15em);
  }
  input,
  [part='send'] {
    font-variant-numeric: tabular-nums;
  }
  /* Wide enough for the countdown, so the field does not jump when it starts. */
  [part='send'] {
    min-width: var(--etax-sms-send-min-width, 9.5em);
  }
  /* Waiting out a throttle: looks unavailable, yet keeps focus. */
  [part='send'][aria-disabled='true'] {
    cursor: not-allowed;
    opacity: 0.65;
  }
  [part='submit'] {
    margin-top: calc(var(--_gap) / 2);
  }
`;
