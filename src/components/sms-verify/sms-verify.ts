import { html, nothing, type TemplateResult } from 'lit';
import type { LoginState, LoginStateOf } from '../../client/state.js';
import { secondsUntil } from '../i18n/localize.js';
import { EtaxElement } from '../shared/etax-element.js';
import { Ticker } from '../shared/ticker.js';
import { controls } from '../shared/controls.styles.js';
import { tokens } from '../shared/tokens.styles.js';
import { styles } from './sms-verify.styles.js';

type Sms = LoginStateOf<'sms'>;

/** A code as typed or pasted: full-width digits (全角) made ASCII, white space removed. */
const normalise = (s: string): string =>
  s.replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\s+/g, '');

/** What the person did last, so that focus lands where they need it next. */
type Focus = 'input' | 'select' | 'send';

/**
 * @tag sms-verify
 * @summary SMS verification (短信验证), the fallback second factor of 再次认证:
 * the bound phone, 获取验证码 with the server's resend countdown, one code
 * field, and 登录. Usable alone with a shared `client`, or inside
 * `<step-up-dialog>` (`embedded`).
 *
 * It renders the `sms` state of its client. In any other state it renders
 * nothing: a host that shows it alone calls `client.chooseStepUp('sms')` once
 * the client is in `step-up`. The one exception is a flow that ends while the
 * code is being entered (too many wrong codes, a locked account, a timeout):
 * then, unless embedded, it says why, so the person is not left before an
 * empty space.
 *
 * The code is never kept by the element: it lives in the field until it is
 * sent, and it is in no event. Where the browser has WebOTP
 * (`navigator.credentials.get({ otp })`, Chrome on Android), a code that
 * arrives by SMS is filled in and sent by itself; typing, sending, leaving the
 * SMS step or removing the element cancels that request.
 *
 * Errors are shown under the field, tied to it (`aria-invalid`,
 * `aria-describedby`) and marked by a sign as well as colour; each is
 * announced once in a live region, and so is the sending of a code. The
 * countdowns are not live, so a screen reader is not told every second.
 *
 * @fires etax-sms-sent - A code was sent: `{ maskedPhone, resendAfter }`. Never the code.
 * @fires etax-error - An error the person sees: `{ code, message, attemptsLeft?, retryAfter?, field? }`.
 * @fires etax-login-success - The code was right and the login is complete (cancelable; see `<etax-login>`).
 * @fires etax-identity-required - The code was right and the person now chooses an identity.
 * @fires etax-state-change - Every state change of the client: `{ state, previous }`.
 *
 * @csspart phone - The bound phone: 绑定手机号：…, then 验证码已发送到手机号：….
 * @csspart input - The code field.
 * @csspart send - The 获取验证码 button.
 * @csspart countdown - The resend countdown inside the 获取验证码 button (N秒后重新获取).
 * @csspart error - The error under the field, or why the flow ended.
 * @csspart submit - The 登录 button.
 * @csspart busy - While the server is busy, when the element asks again by itself (unless embedded: the dialog says it).
 *
 * @cssprop --etax-sms-code-font-size - Size of the code in its field; default `1.125em`.
 * @cssprop --etax-sms-code-letter-spacing - Spacing of the code's digits; default `0.15em`.
 * @cssprop --etax-color-primary - Background of 登录.
 * @cssprop --etax-color-error - Colour of errors and of an invalid field's border.
 * @cssprop --etax-color-text - Text colour.
 * @cssprop --etax-color-muted - Colour of the hint under the field.
 * @cssprop --etax-color-border - Border of the field and of 获取验证码.
 * @cssprop --etax-color-focus - Focus ring.
 * @cssprop --etax-font-size - Base text size (`--etax-font-size-large` in `large-text` mode).
 * @cssprop --etax-control-height - Height of the field and the buttons.
 * @cssprop --etax-radius - Corner radius.
 * @cssprop --etax-spacing - Space between the parts.
 */
export class SmsVerify extends EtaxElement {
  static override styles = [tokens, controls, styles];

  static override properties = { __invalid: { state: true }, __said: { state: true } };

  /** A finding of the check made before anything is sent. */
  private __invalid?: 'format' | 'not-sent';

  /**
   * The last announcement: its words, whether it is an error, and which of two
   * templates says it (they alternate, so each announcement is a new node and
   * the same words are said again).
   */
  private __said?: { text: string; error: boolean; odd: boolean };

  /** The flow ended while this element showed the SMS step. */
  private __ended = false;
  /** Where focus goes once the person's last action has its answer. */
  private __refocus?: Focus;
  /** The pending WebOTP request. */
  private __otp?: AbortController;

  protected readonly ticker = new Ticker(this, () => {
    const s = this.__sms;
    return !!s && secondsUntil(s.resendAt) + secondsUntil(s.error?.retryAt) + secondsUntil(s.retryAt) > 0;
  });

  private get __input(): HTMLInputElement | null {
    return this.renderRoot.querySelector('input');
  }

  private get __sms(): Sms | undefined {
    const s = this.state;
    return s.kind === 'sms' ? s : undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.__stopOtp();
  }

  protected override stateChanged(state: LoginState, previous: LoginState): Event[] {
    const was = previous.kind === 'sms' ? previous : undefined;
    const error = state.kind === 'sms' && state.error;
    if (state.kind !== 'sms') {
      this.__stopOtp();
      this.__invalid = this.__refocus = this.__said = undefined;
      this.__ended = state.kind === 'flow-ended' && (!!was || this.__ended);
    } else if (error && error !== was?.error) {
      this.__invalid = undefined;
      // Said once, with its countdown as it is now.
      this.__announce(this.message(error), true);
      this.__moveFocus(
        /expired|not_sent/.test(error.code) ? 'send' : error.code === 'sms_code_invalid' ? 'select' : this.__refocus,
      );
    } else if (state.phase === 'sent' && was?.phase === 'sending') {
      if (state.maskedPhone) this.__announce(this.t.sms.sent(state.maskedPhone), false);
      this.__startOtp();
      this.__moveFocus('input');
    }
    if (state.kind === 'sms') this.__ended = false;
    return super.stateChanged(state, previous);
  }

  /* --------------------------------------------------------------- handlers */

  private __onInput(e: InputEvent) {
    this.__stopOtp();
    this.__invalid = undefined;
    const input = e.target as HTMLInputElement;
    const { value } = input;
    const clean = normalise(value);
    if (e.isComposing || clean === value) return;
    const caret = normalise(value.slice(0, input.selectionStart!)).length;
    input.value = clean;
    input.setSelectionRange(caret, caret);
  }

  /** A pasted code keeps its digits only, so `maxlength` cannot cut "123 456". */
  private __onPaste(e: ClipboardEvent) {
    const digits = normalise(e.clipboardData!.getData('text')).replace(/\D/g, '');
    const input = e.target as HTMLInputElement;
    const n = this.__sms?.codeLength;
    if (!digits || !n || input.readOnly) return;
    e.preventDefault();
    this.__stopOtp();
    this.__invalid = undefined;
    if (digits.length < n) input.setRangeText(digits, input.selectionStart!, input.selectionEnd!, 'end');
    input.value = (digits.length < n ? input.value : digits).slice(0, n);
  }

  private __onSend() {
    const s = this.__sms;
    // Not while a code is on its way or the resend wait runs (a second click before the button is disabled).
    if (!s || /ing/.test(s.phase) || secondsUntil(s.resendAt)) return;
    this.__invalid = undefined;
    this.__refocus = 'send';
    void this.login.client?.sendSms();
  }

  private __onSubmit(e: Event) {
    e.preventDefault();
    this.__verify();
  }

  /* ---------------------------------------------------------- public methods */

  /** Moves focus to the code field. */
  override focus(options?: FocusOptions): void {
    if (this.__input) this.__input.focus(options);
    else super.focus(options);
  }

  /* ----------------------------------------------------------------- private */

  /** Checks the code, then sends it: one request while one is on its way. */
  private __verify() {
    const s = this.__sms;
    this.__stopOtp();
    if (!s || /ing/.test(s.phase)) return;
    const code = normalise(this.__input!.value);
    const finding =
      s.phase === 'idle' ? 'not-sent' : code.length !== s.codeLength || /\D/.test(code) ? 'format' : undefined;
    // What the person continues with: 获取验证码 first, or the field to correct, or (after an answer) the code.
    this.__refocus = finding === 'not-sent' ? 'send' : finding ? 'input' : 'select';
    this.__invalid = finding;
    if (!finding) return void this.login.client?.verifySms(code);
    this.__announce(this.__refusal(finding, s.codeLength), true);
    this.__moveFocus(this.__refocus);
  }

  /** The words of a finding of the check. */
  private __refusal(finding: 'format' | 'not-sent', length: number): string {
    return finding === 'format' ? this.t.validation.smsCode(length) : this.t.sms.notSent;
  }

  private __announce(text: string, error: boolean) {
    this.__said = { text, error, odd: !this.__said?.odd };
  }

  /**
   * After the next render, focuses where the person continues — if they acted
   * here and focus has not gone elsewhere since (a disabled button drops it
   * to the page).
   */
  private async __moveFocus(target: Focus | undefined) {
    const wanted = this.__refocus && target;
    this.__refocus = undefined;
    if (!wanted) return;
    await this.updateComplete;
    const active = document.activeElement;
    if (active && active !== document.body && !this.matches(':focus-within')) return;
    const send = this.renderRoot.querySelector<HTMLButtonElement>('[part=send]')!;
    const input = this.__input!;
    if (wanted === 'send' && !send.disabled) return send.focus();
    input.focus();
    if (wanted === 'select') input.select();
  }

  private __startOtp() {
    this.__stopOtp();
    if (!('OTPCredential' in window)) return;
    const ctrl = (this.__otp = new AbortController());
    navigator.credentials.get({ otp: { transport: ['sms'] }, signal: ctrl.signal } as CredentialRequestOptions).then(
      (credential) => {
        const code = (credential as { code?: string } | null)?.code;
        if (this.__otp !== ctrl || !code || !this.__input) return;
        this.__input.value = normalise(code);
        this.__verify();
      },
      () => {},
    );
  }

  private __stopOtp() {
    this.__otp?.abort();
    this.__otp = undefined;
  }

  override render(): TemplateResult {
    const s = this.state;
    const t = this.t;
    if (s.kind === 'flow-ended' && this.__ended && !this.embedded)
      return html`<p part="error" class="etax-error" role="alert">
        ${s.error ? this.message(s.error) : t.login.ended[s.reason]}
      </p>`;
    if (s.kind !== 'sms') return html``;
    const { phase, codeLength: n, maskedPhone: phone, error: e } = s;
    const wait = secondsUntil(s.resendAt);
    // Asked too often: no code went out, so no resend countdown; the error says when to ask again, and
    // 获取验证码 keeps focus (aria-disabled, not disabled) while that wait runs.
    const throttled = wait > 0 && (e?.code === 'sms_throttled' || e?.code === 'rate_limited');
    // The server asked the client to wait before it asks again: said here unless the dialog says it.
    const busyFor = this.embedded ? 0 : secondsUntil(s.retryAt);
    const verifying = phase === 'verifying';
    const error = this.__invalid ? this.__refusal(this.__invalid, n) : e && this.message(e);
    const said = this.__said;
    const prefix = t.validation.errorPrefix;
    // The server's masked phone inside our sentence, isolated for bidirectional text.
    const [before, after] = (phase === 'sent' || verifying ? t.sms.sent : t.sms.phone)('\0').split('\0');
    // The two templates differ in an attribute: identical ones would be merged into one by the minifier.
    const say = (text: string) => (said!.odd ? html`<span>${text}</span>` : html`<span data-even>${text}</span>`);
    return html`
      <form novalidate aria-label=${t.sms.label} @submit=${this.__onSubmit}>
        ${phone ? html`<p part="phone">${before}<bdi>${phone}</bdi>${after}</p>` : nothing}
        <label for="code">${t.sms.code}</label>
        <div class="row">
          <input
            id="code"
            part="input"
            inputmode="numeric"
            autocomplete="one-time-code"
            spellcheck="false"
            maxlength=${n}
            pattern="[0-9]{${n}}"
            aria-invalid=${!!this.__invalid || /code|not_sent/.test(e?.code ?? '')}
            aria-describedby=${error ? 'error hint' : 'hint'}
            ?readonly=${verifying}
            @input=${this.__onInput}
            @paste=${this.__onPaste}
          />
          <button
            type="button"
            part="send"
            ?disabled=${phase === 'sending' || verifying || (wait > 0 && !throttled)}
            aria-disabled=${throttled ? 'true' : nothing}
            aria-describedby=${throttled ? 'error' : nothing}
            @click=${this.__onSend}
          >
            ${
              phase === 'sending'
                ? t.sms.sending
                : wait && !throttled
                  ? html`<span part="countdown">${t.sms.resendIn(wait)}</span>`
                  : t.sms.send
            }
          </button>
        </div>
        <p id="hint" class="muted">${t.sms.codeHint(n)}</p>
        <p id="error" part="error" class="etax-error" ?hidden=${!error}>
          ${error ? html`<span class="etax-visually-hidden">${prefix}</span>${error}` : nothing}
        </p>
        <button
          part="submit"
          class="etax-primary"
          ?disabled=${verifying || (e?.code === 'rate_limited' && secondsUntil(e.retryAt) > 0)}
        >
          ${verifying ? t.sms.verifying : t.sms.submit}
        </button>
        ${busyFor ? html`<p part="busy" class="muted">${t.busy(t.duration(busyFor))}</p>` : nothing}
        <div class="etax-visually-hidden" role="status">${said && !said.error ? say(said.text) : nothing}</div>
        <div class="etax-visually-hidden" role="alert">${said?.error ? say(prefix + said.text) : nothing}</div>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sms-verify': SmsVerify;
  }
}
