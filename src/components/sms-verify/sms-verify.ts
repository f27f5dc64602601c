import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import type { LoginError, LoginState, LoginStateOf } from '../../client/state.js';
import { secondsUntil } from '../i18n/localize.js';
import { EtaxElement } from '../shared/etax-element.js';
import { Ticker } from '../shared/ticker.js';
import { styles } from './sms-verify.styles.js';

type Sms = LoginStateOf<'sms'>;

/** A code as typed or pasted: full-width digits (全角) made ASCII, white space removed. */
const normalise = (s: string): string =>
  s.replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\s+/g, '');

/** Errors about the code itself: they mark the field invalid. */
const CODE_ERRORS = ['sms_code_invalid', 'sms_code_expired', 'sms_not_sent'];

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
  static override styles = styles;

  /** A finding of the check made before anything is sent. */
  @state() private invalid?: 'format' | 'not-sent';

  /** Counts announcements, so that the same words are announced again. */
  @state() private notice = 0;

  private noticeKind?: 'sent' | 'error';
  /** When the error being announced arrived (its countdown is announced as of then). */
  private errorAt = 0;
  /** The flow ended while this element showed the SMS step. */
  private ended = false;
  /** Where focus goes once the person's last action has its answer. */
  private refocus?: Focus;
  /** The pending WebOTP request. */
  private otp?: AbortController;

  protected readonly ticker = new Ticker(this, () => {
    const s = this.sms;
    return !!s && (secondsUntil(s.resendAt) > 0 || secondsUntil(s.error?.retryAt) > 0);
  });

  private get input(): HTMLInputElement | null {
    return this.renderRoot.querySelector('input');
  }

  private get sms(): Sms | undefined {
    const s = this.state;
    return s.kind === 'sms' ? s : undefined;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopOtp();
    this.refocus = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('client')) this.stopOtp();
  }

  protected override message(error: LoginError): string {
    const wait = secondsUntil(error.retryAt);
    return error.code === 'sms_throttled' && wait > 0
      ? this.t.sms.throttled(this.t.duration(wait))
      : super.message(error);
  }

  protected override stateChanged(state: LoginState, previous: LoginState): void {
    const was = previous.kind === 'sms' ? previous : undefined;
    if (state.kind !== 'sms') {
      this.stopOtp();
      this.invalid = undefined;
      this.refocus = undefined;
      this.ended = state.kind === 'flow-ended' && (!!was || this.ended);
    } else {
      this.ended = false;
      if (state.error && state.error !== was?.error) {
        this.invalid = undefined;
        this.announce('error');
        this.errorAt = performance.now();
        const code = state.error.code;
        this.moveFocus(
          code === 'sms_code_expired' || code === 'sms_not_sent'
            ? 'send'
            : code === 'sms_code_invalid'
              ? 'select'
              : this.refocus,
        );
      } else if (state.phase === 'sent' && was?.phase === 'sending') {
        this.announce('sent');
        this.startOtp();
        this.moveFocus('input');
      }
    }
    super.stateChanged(state, previous);
  }

  /* --------------------------------------------------------------- handlers */

  private onInput(e: InputEvent) {
    this.stopOtp();
    this.invalid = undefined;
    const input = e.target as HTMLInputElement;
    const value = input.value;
    const clean = normalise(value);
    if (e.isComposing || clean === value) return;
    const caret = normalise(value.slice(0, input.selectionStart ?? value.length)).length;
    input.value = clean;
    input.setSelectionRange(caret, caret);
  }

  /** A pasted code keeps its digits only, so `maxlength` cannot cut "123 456". */
  private onPaste(e: ClipboardEvent) {
    const digits = normalise(e.clipboardData?.getData('text') ?? '').replace(/\D/g, '');
    const input = e.target as HTMLInputElement;
    const s = this.sms;
    if (!digits || !s || input.readOnly) return;
    e.preventDefault();
    this.stopOtp();
    this.invalid = undefined;
    const n = s.codeLength;
    if (digits.length >= n) {
      input.value = digits.slice(0, n);
    } else {
      input.setRangeText(
        digits,
        input.selectionStart ?? input.value.length,
        input.selectionEnd ?? input.value.length,
        'end',
      );
      if (input.value.length > n) input.value = input.value.slice(0, n);
    }
  }

  private onSend() {
    const s = this.sms;
    if (!s || (s.phase !== 'idle' && s.phase !== 'sent') || secondsUntil(s.resendAt) > 0) return;
    this.invalid = undefined;
    this.refocus = 'send';
    void this.login.client?.sendSms();
  }

  private onSubmit(e: Event) {
    e.preventDefault();
    this.verify();
  }

  /* ---------------------------------------------------------- public methods */

  /** Moves focus to the code field. */
  override focus(options?: FocusOptions): void {
    if (this.input) this.input.focus(options);
    else super.focus(options);
  }

  /* ----------------------------------------------------------------- private */

  /** Checks the code, then sends it: one request while one is on its way. */
  private verify() {
    const s = this.sms;
    const input = this.input;
    this.stopOtp();
    if (!s || !input || s.phase === 'sending' || s.phase === 'verifying') return;
    if (s.phase === 'idle') return this.refuse('not-sent', 'send');
    const code = normalise(input.value);
    if (!/^\d+$/.test(code) || code.length !== s.codeLength) return this.refuse('format', 'input');
    this.invalid = undefined;
    this.refocus = 'select';
    void this.login.client?.verifySms(code);
  }

  private refuse(finding: 'format' | 'not-sent', focus: Focus) {
    this.invalid = finding;
    this.announce('error');
    this.refocus = focus;
    this.moveFocus(focus);
  }

  private announce(kind: 'sent' | 'error') {
    this.noticeKind = kind;
    this.notice++;
  }

  /**
   * After the next render, focuses where the person continues — if they acted
   * here and focus has not gone elsewhere since (a disabled button drops it
   * to the page).
   */
  private async moveFocus(target: Focus | undefined) {
    const wanted = this.refocus && target;
    this.refocus = undefined;
    if (!wanted) return;
    await this.updateComplete;
    const active = document.activeElement;
    if (active && active !== document.body && !this.matches(':focus-within')) return;
    const send = this.renderRoot.querySelector<HTMLButtonElement>('[part=send]');
    if (wanted === 'send' && send && !send.disabled) return send.focus();
    this.input?.focus();
    if (wanted === 'select') this.input?.select();
  }

  private startOtp() {
    this.stopOtp();
    if (!('OTPCredential' in window) || !navigator.credentials?.get) return;
    const ctrl = (this.otp = new AbortController());
    const options = { otp: { transport: ['sms'] }, signal: ctrl.signal } as CredentialRequestOptions;
    navigator.credentials.get(options).then(
      (credential) => {
        const code = (credential as { code?: string } | null)?.code;
        if (ctrl.signal.aborted || this.otp !== ctrl || !code || !this.input) return;
        this.otp = undefined;
        this.input.value = normalise(code);
        this.verify();
      },
      () => {},
    );
  }

  private stopOtp() {
    this.otp?.abort();
    this.otp = undefined;
  }

  /** The error to show under the field, and whether it is about the code. */
  private shown(s: Sms): { text: string; field: boolean; error?: LoginError } | undefined {
    const t = this.t;
    if (this.invalid === 'format') return { text: t.validation.smsCode(s.codeLength), field: true };
    if (this.invalid === 'not-sent') return { text: t.sms.notSent, field: true };
    const error = s.error;
    return error && { text: this.message(error), field: CODE_ERRORS.includes(error.code), error };
  }

  private renderEnded(s: LoginStateOf<'flow-ended'>): TemplateResult {
    return html`<p part="error" class="error" role="alert">
      ${s.error ? this.message(s.error) : this.t.login.ended[s.reason]}
    </p>`;
  }

  override render(): TemplateResult {
    const s = this.state;
    if (s.kind === 'flow-ended' && this.ended && !this.embedded) return this.renderEnded(s);
    if (s.kind !== 'sms') return html``;
    const t = this.t;
    const n = s.codeLength;
    const wait = secondsUntil(s.resendAt);
    const verifying = s.phase === 'verifying';
    const error = this.shown(s);
    const held = s.error?.code === 'rate_limited' && secondsUntil(s.error.retryAt) > 0;
    // The live region says the error once, with its countdown as it was when it came.
    const said =
      this.invalid || !error?.error?.retryAt
        ? error?.text
        : this.message({ ...error.error, retryAt: error.error.retryAt + performance.now() - this.errorAt });
    const phone = s.maskedPhone;
    return html`
      <form novalidate aria-label=${t.sms.label} @submit=${this.onSubmit}>
        ${
          phone
            ? html`<p part="phone">${s.phase === 'sent' || verifying ? t.sms.sent(phone) : t.sms.phone(phone)}</p>`
            : nothing
        }
        <label for="code">${t.sms.code}</label>
        <div class="row">
          <input
            id="code"
            part="input"
            type="text"
            inputmode="numeric"
            autocomplete="one-time-code"
            spellcheck="false"
            maxlength=${n}
            pattern=${`[0-9]{${n}}`}
            aria-invalid=${error?.field ? 'true' : 'false'}
            aria-describedby=${error ? 'error hint' : 'hint'}
            ?readonly=${verifying}
            @input=${this.onInput}
            @paste=${this.onPaste}
          />
          <button
            type="button"
            part="send"
            ?disabled=${s.phase === 'sending' || verifying || wait > 0}
            @click=${this.onSend}
          >
            ${
              s.phase === 'sending'
                ? t.sms.sending
                : wait > 0
                  ? html`<span part="countdown">${t.sms.resendIn(wait)}</span>`
                  : t.sms.send
            }
          </button>
        </div>
        <p id="hint" class="muted">${t.sms.codeHint(n)}</p>
        <p id="error" part="error" class="error" ?hidden=${!error}>
          ${error ? html`<span class="visually-hidden">${t.validation.errorPrefix}</span>${error.text}` : nothing}
        </p>
        <button type="submit" part="submit" class="primary" ?disabled=${verifying || held}>
          ${verifying ? t.sms.verifying : t.sms.submit}
        </button>
        <div class="visually-hidden" role="status">
          ${this.noticeKind === 'sent' && phone ? keyed(this.notice, html`<span>${t.sms.sent(phone)}</span>`) : nothing}
        </div>
        <div class="visually-hidden" role="alert">
          ${
            this.noticeKind === 'error' && said
              ? keyed(this.notice, html`<span>${t.validation.errorPrefix}${said}</span>`)
              : nothing
          }
        </div>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'sms-verify': SmsVerify;
  }
}
