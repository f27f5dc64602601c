import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import type { LoginClient, LoginClientOptions } from '../../client/client.js';
import type { LoginError, LoginState } from '../../client/state.js';
// Before our other modules, so that a bundle has the QR encoder before the client (see src/define.ts).
import { qrSvg } from '../shared/qr-svg.js';
import { secondsUntil } from '../i18n/localize.js';
import { EtaxElement } from '../shared/etax-element.js';
import { ownClient } from '../shared/own-client.js';
import { Ticker } from '../shared/ticker.js';
import { controls, tokens } from '../shared/tokens.styles.js';
import { styles } from './qr-login-panel.styles.js';

/** Error codes of a lock: trying again before it lifts cannot succeed. */
const LOCKS = ['account_locked', 'sms_locked'];

/**
 * @tag qr-login-panel
 * @summary The QR code to scan with 电子税务局APP or 个人所得税APP: the login QR,
 * or (with `mode="face"`) the face-recognition QR of the step-up. Usable alone
 * or inside `<etax-login>` and `<step-up-dialog>`.
 *
 * Shows the QR with its remaining lifetime, the apps that can scan it and the
 * match code; then "scanned, confirm on your phone", confirmed, declined or
 * cancelled, expired (with a refresh button, after a few refreshes of its own)
 * and errors (with a retry button). Each change is announced to screen readers.
 *
 * @fires etax-qr-ready - A login QR is on screen (also after a refresh or rotation).
 * @fires etax-qr-scanned - The QR was scanned; the person confirms on the phone. `detail.app`.
 * @fires etax-qr-expired - The QR expired; `detail.autoRefresh` tells whether a new one is fetched by itself.
 * @fires etax-cancel - The login was declined or cancelled on the phone. `detail.reason`.
 * @fires etax-login-success - The login completed (cancelable). `detail.via`, `detail.redirectUrl`.
 * @fires etax-error - The QR could not be loaded or the flow failed. `detail.code`, `detail.message`.
 * @fires etax-state-change - Every state change. `detail.state`, `detail.previous`.
 *
 * @csspart qr - The QR-sized frame: the code, or a placeholder of the same size.
 * @csspart qr-code - The QR code (`<svg>`).
 * @csspart overlay - The cover over the frame when scanned, ended or failed.
 * @csspart status - The status text (a polite live region).
 * @csspart refresh - The refresh and retry button.
 * @csspart match-code - The code the phone shows for comparison.
 * @csspart apps - Which apps can scan the code (in `face` mode, what to do on the phone).
 * @csspart countdown - The remaining lifetime of the code.
 * @csspart busy - While the server is busy: when the panel asks again by itself.
 *
 * @cssprop --etax-qr-size - Side of the QR frame; default 200px.
 * @cssprop --etax-qr-size-large - Side of the QR frame in `large-text` mode; default 240px.
 */
export class QrLoginPanel extends EtaxElement {
  static override styles = [tokens, controls, styles];

  static override properties = {
    mode: { reflect: true },
    autoRefresh: { type: Number, attribute: 'auto-refresh' },
  };

  /**
   * `login` (default): the login QR; started on connection when the panel is
   * used alone. `face`: the face-recognition QR of the step-up; starts nothing.
   */
  mode: 'login' | 'face' = 'login';

  /**
   * How many times in a row an expired login QR is replaced by itself before
   * the refresh button is shown. Counted again after a scan or a refresh by
   * the person.
   */
  autoRefresh = 2;

  private __refreshes = 0;
  /** The expired QR just seen is being replaced by itself. */
  private __auto = false;
  /** Connected, and not yet checked whether to start a login. */
  private __pending = false;
  /** The last state this panel reacted to. */
  private __seen?: LoginState;
  /** Shows 重试 again when an account's lock lifts. */
  private __unlockTimer?: ReturnType<typeof setTimeout>;

  protected readonly ticker = new Ticker(this, () => /waiting/.test(this.state.kind));

  override connectedCallback(): void {
    super.connectedCallback();
    this.__pending = true;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    const kind = this.login.client?.state.kind;
    if (this.__pending && kind) {
      this.__pending = false;
      if (this.mode === 'login' && !this.embedded && (kind === 'idle' || kind === 'qr-ended')) this.refresh();
    }
  }

  protected override stateChanged(state: LoginState, previous: LoginState): Event[] {
    if (state.kind === 'qr-scanned') this.__refreshes = 0;
    this.__seen = state;
    // Not after a scan: the person was confirming on the phone and is told the login timed out.
    const auto = (this.__auto =
      this.mode === 'login' &&
      state.kind === 'qr-ended' &&
      state.reason === 'expired' &&
      previous.kind !== 'qr-scanned' &&
      this.__refreshes < this.autoRefresh);
    if (auto) {
      this.__refreshes++;
      // After every listener has seen the expiry.
      queueMicrotask(() => this.isConnected && this.login.state === state && this.login.client?.startQr());
    }
    return super.stateChanged(state, previous);
  }

  protected override makeClient(options: LoginClientOptions): LoginClient {
    return ownClient(options);
  }

  protected override autoRefreshing(): boolean {
    return this.willAutoRefresh;
  }

  /**
   * For an error that locked the account: when the lock lifts (`performance.now()` ms, or
   * `Infinity` when the server did not say); `false` for any other error or a lock that has lifted.
   */
  private __lockedUntil(error: LoginError): number | false {
    if (!LOCKS.includes(error.code)) return false;
    const at = error.retryAt ?? Infinity;
    return at > performance.now() && at;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // Once a lock lifts, 重试 comes back.
    clearTimeout(this.__unlockTimer);
    const s = this.state;
    const lock = s.kind === 'qr-error' && this.__lockedUntil(s.error);
    if (lock && lock !== Infinity)
      this.__unlockTimer = setTimeout(() => this.requestUpdate(), lock - performance.now() + 1);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.__unlockTimer);
  }

  private __onRefresh() {
    this.refresh();
    // The button goes away: keep the focus on the code rather than losing it to the page.
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>('.qr')?.focus());
  }

  /**
   * Whether an expired login QR is replaced by itself: the one that just
   * expired, or else one that would expire now.
   * A container that dispatches the events asks it for `etax-qr-expired`.
   */
  get willAutoRefresh(): boolean {
    const s = this.state;
    return s === this.__seen && s.kind === 'qr-ended'
      ? this.__auto
      : this.mode === 'login' && this.__refreshes < this.autoRefresh;
  }

  /** Starts a new login QR, as the refresh button does. */
  refresh(): void {
    this.__refreshes = 0;
    this.__auto = false;
    void this.login.client?.startQr();
  }

  override render(): TemplateResult {
    const t = this.t;
    const q = t.qr;
    const s = this.state;
    const face = this.mode === 'face';
    // Of the client's states, those of this panel's QR: the face QR's in face mode, the login QR's otherwise.
    const mine = (face ? /^(face|step)/ : /^(idle|qr|ident|auth)/).test(s.kind);
    const qr = mine && 'qr' in s ? s.qr : undefined;
    const method = face ? ('method' in s ? s.method : s.kind === 'step-up' ? s.pending : undefined) : undefined;
    const apps = face
      ? (qr || s.kind === 'step-up') && method && t.stepUp.faceSteps[method]
      : /^(idle|qr)/.test(s.kind) &&
        q.scanWith((qr?.apps?.length ? qr.apps : (['etax', 'iit'] as const)).map((a) => t.apps[a]).join(q.appsJoin));
    const code = !face && qr?.matchCode;
    const [sentence, after] = q.matchCode('\0').split('\0');
    // The code stays on one line with the word before it (its label): the line never breaks before the code.
    const label = /\S{1,6}\s*$/.exec(sentence)?.[0] ?? '';
    const before = sentence.slice(0, sentence.length - label.length);
    // What the status line says; `beside`: it is said beside the QR rather than over it.
    let status = '';
    let beside = false;
    let done = false;
    let button: string | undefined;
    if (mine) {
      switch (s.kind) {
        case 'qr-waiting':
        case 'face-waiting':
          status = [apps, code && q.matchCode(code)].filter(Boolean).join(' ');
          beside = true;
          break;
        case 'qr-scanned':
        case 'face-scanned':
          done = true;
          status = (face ? t.stepUp.faceScanned : q.scanned)(t.apps[s.app]);
          break;
        case 'qr-ended':
          if (!this.__auto) {
            // A cancel says where it happened: on the phone, on this page (the dialog was closed), or by the service.
            const by = { phone: q.cancelled, client: q.cancelledHere, server: t.login.ended.cancelled };
            status = s.reason === 'cancelled' ? by[s.by ?? 'phone'] : q[s.reason];
            button = q.refresh;
          }
          break;
        case 'qr-error':
        case 'step-up': {
          const lock = s.kind === 'qr-error' && this.__lockedUntil(s.error);
          // A locked account: no 重试 that cannot succeed; when it unlocks instead.
          if (s.kind === 'qr-error' && lock === false) button = q.retry;
          if (s.error) status = this.message(s.error);
          break;
        }
        case 'face-verifying':
          status = t.stepUp.verifying;
          break;
        case 'face-failed':
          status =
            s.attemptsLeft > 0 && s.methods.includes(s.method)
              ? t.stepUp.faceFailed(s.attemptsLeft, s.methods.includes('sms'))
              : t.stepUp.faceFailedFinal;
          break;
        case 'identity':
        case 'authenticated':
          done = true;
          status = s.kind === 'authenticated' && s.via !== 'qr' ? t.login.success : q.confirmed;
      }
      if (!status && (!face || method)) {
        status = q.loading;
        beside = true;
      }
    }
    const cover = !beside && !!status;
    const left = qr && secondsUntil(qr.expiresAt);
    const busyFor = mine && 'retryAt' in s ? secondsUntil(s.retryAt) : 0;

    return html`
      <div part="qr" class="qr" tabindex="-1">
        ${qr ? qrSvg(qr.payload, method ? t.stepUp.methods[method] : q.label) : nothing}
        <div part=${cover ? 'overlay' : ''} class="over ${cover ? 'on' : ''} ${done ? 'done' : ''}">
          ${done ? html`<span class="ok" aria-hidden="true">✓</span>` : nothing}
          <p part="status" role="status" class=${qr && !cover ? 'visually-hidden' : ''}>${status}</p>
          ${button ? html`<button part="refresh" class="primary" @click=${this.__onRefresh}>${button}</button>` : nothing}
        </div>
      </div>
      ${
        code
          ? html`<p part="match-code">
              ${before}<span class="keep"
                >${label}<strong><bdi>${code}</bdi></strong
                >${after}</span
              >
            </p>`
          : nothing
      }
      ${apps ? html`<p part="apps" class="muted">${apps}</p>` : nothing}
      ${left !== undefined && !cover ? html`<p part="countdown" class="muted">${left ? q.remaining(t.duration(left)) : ''}</p>` : nothing}
      ${busyFor ? html`<p part="busy" class="muted">${t.busy(t.duration(busyFor))}</p>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'qr-login-panel': QrLoginPanel;
  }
}
