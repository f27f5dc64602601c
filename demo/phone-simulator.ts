/**
 * `<demo-phone>`: the taxpayer's phone. It reads the QR the web page shows
 * (`screen`) and scans it with the e-tax app or the IIT app, shows the
 * confirmation screen (the page's check code, and where the request comes
 * from) or the face recognition screen, and receives the SMS codes. It acts
 * and sees flows only through the apps (`apps`): on the demo server the
 * signed app API, as the real apps act through their backend.
 */
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { QrApp } from '../src/client/protocol.js';
import type { MockAccount } from '../src/mock/index.js';
import { AppRefusal, type AppFlow, type PhoneApps, type PhoneSms, type ScreenQr } from './phone-apps.js';
import { STRINGS, type DemoStrings } from './strings.js';

/** What the phone scanned last: a login QR or a face-recognition QR of one flow, as the app sees it now. */
interface Scanned {
  flowId: string;
  face: boolean;
  app: QrApp;
  /** The account the app was signed in to when it scanned. */
  account: string;
  view: AppFlow;
}

const ENDED = ['authenticated', 'denied', 'cancelled', 'expired', 'locked'];
const time = (ms: number) => new Date(ms).toLocaleTimeString('zh-CN', { hour12: false });

export class DemoPhone extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font: inherit;
      color: #1f2328;
      /* The phone's screen is light in every theme of the page: so are its radios and checkboxes. */
      color-scheme: light;
    }
    .frame {
      width: 300px;
      max-width: 100%;
      margin: 0 auto;
      border: 10px solid #1f2328;
      border-radius: 38px;
      background: #f4f6f9;
      overflow: hidden;
      box-shadow: 0 8px 24px rgb(0 0 0 / 0.18);
    }
    .bar {
      display: flex;
      justify-content: space-between;
      padding: 6px 18px 4px;
      font-size: 12px;
      background: #1f2328;
      color: #fff;
    }
    .notch {
      width: 90px;
      height: 14px;
      border-radius: 0 0 10px 10px;
      background: #1f2328;
      margin: -1px auto 0;
    }
    .screen {
      min-height: 520px;
      display: flex;
      flex-direction: column;
    }
    .switch {
      display: flex;
      gap: 4px;
      padding: 8px 10px 0;
    }
    .switch button {
      flex: 1;
      font: inherit;
      font-size: 14px;
      min-height: 36px;
      border: 1px solid #8c959f;
      background: #fff;
      color: #1f2328;
      border-radius: 8px;
      cursor: pointer;
    }
    .switch button[aria-pressed='true'] {
      background: #1f2328;
      border-color: #1f2328;
      color: #fff;
    }
    .app {
      flex: 1;
      display: flex;
      flex-direction: column;
      gap: 10px;
      padding: 10px 14px 14px;
    }
    .app-head {
      margin: 0 -14px;
      padding: 10px 14px;
      color: #fff;
      font-weight: 600;
    }
    .app-head.etax {
      background: #b3261e;
    }
    .app-head.iit {
      background: #0b57d0;
    }
    fieldset {
      border: 0;
      padding: 0;
      margin: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 2px 12px;
      font-size: 14px;
    }
    legend {
      font-size: 13px;
      color: #57606a;
      padding: 0;
      margin-bottom: 2px;
    }
    label {
      font-size: 14px;
    }
    select {
      font: inherit;
      font-size: 14px;
      min-height: 34px;
      width: 100%;
    }
    .card {
      background: #fff;
      border-radius: 12px;
      padding: 12px;
      display: flex;
      flex-direction: column;
      gap: 10px;
    }
    .card h3 {
      margin: 0;
      font-size: 17px;
    }
    .card p {
      margin: 0;
      font-size: 14px;
      line-height: 1.5;
    }
    .muted {
      color: #57606a;
    }
    .code {
      font-size: 32px;
      font-weight: 700;
      letter-spacing: 0.2em;
      text-align: center;
    }
    button.act {
      font: inherit;
      font-size: 15px;
      min-height: 42px;
      border-radius: 21px;
      border: 1px solid #8c959f;
      background: #fff;
      color: #1f2328;
      cursor: pointer;
    }
    button.act.primary {
      background: #0b57d0;
      border-color: #0b57d0;
      color: #fff;
    }
    button.act.etax.primary {
      background: #b3261e;
      border-color: #b3261e;
    }
    button.act:disabled {
      opacity: 0.5;
      cursor: not-allowed;
    }
    button.link {
      font: inherit;
      font-size: 14px;
      background: none;
      border: 0;
      color: #0b57d0;
      text-decoration: underline;
      cursor: pointer;
      padding: 4px;
    }
    .row {
      display: flex;
      gap: 8px;
    }
    .row > * {
      flex: 1;
    }
    .scan {
      width: 120px;
      height: 120px;
      margin: 12px auto 4px;
      border-radius: 50%;
      font-size: 18px;
    }
    .note {
      font-size: 13px;
      color: #8a4b00;
      margin: 0;
    }
    .warn {
      font-size: 13px;
      color: #57606a;
      margin: 0;
    }
    dl.page {
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 2px 8px;
      margin: 0;
      font-size: 13px;
    }
    dl.page dt {
      color: #57606a;
    }
    dl.page dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .banner {
      margin: 8px 10px 0;
      padding: 8px 10px;
      border-radius: 10px;
      background: #fff;
      box-shadow: 0 2px 8px rgb(0 0 0 / 0.15);
      font-size: 13px;
      text-align: left;
      border: 0;
      cursor: pointer;
      color: inherit;
      font-family: inherit;
    }
    .face {
      width: 110px;
      height: 140px;
      margin: 0 auto;
      border-radius: 50%;
      border: 3px dashed #0b57d0;
      display: grid;
      place-items: center;
      color: #57606a;
      font-size: 13px;
    }
    ol.inbox {
      list-style: none;
      margin: 0;
      padding: 10px 14px;
      display: flex;
      flex-direction: column;
      gap: 8px;
    }
    ol.inbox li {
      background: #fff;
      border-radius: 12px;
      padding: 10px;
      font-size: 14px;
      line-height: 1.5;
    }
    ol.inbox .from {
      display: flex;
      justify-content: space-between;
      font-size: 12px;
      color: #57606a;
    }
    .home {
      width: 110px;
      height: 5px;
      border-radius: 3px;
      background: #1f2328;
      margin: 8px auto;
    }
    :focus-visible {
      outline: 3px solid #0b57d0;
      outline-offset: 2px;
    }
  `;

  /** The tax apps: the app API on the demo server, the mock's controls in the static build. */
  @property({ attribute: false }) apps?: PhoneApps;

  /** The QR the web page shows now (what the camera would read), if any. */
  @property({ attribute: false }) screen?: ScreenQr;

  /** People of the mock's fixture (the account the app is signed in to). */
  @property({ attribute: false }) accounts: MockAccount[] = [];

  /** The demo's words. */
  @property({ attribute: false }) t: DemoStrings = STRINGS['zh-CN'];

  /** The account the app is signed in to at first. */
  @property() account = '';

  @state() private app: QrApp = 'etax';
  @state() private tab: 'app' | 'sms' = 'app';
  @state() private scanned?: Scanned;
  @state() private agreed = false;
  @state() private slid = false;
  @state() private note = '';
  /** What the note is about, a flow id or a QR payload: the note goes once that flow has ended or that QR is gone. */
  private noteAbout?: string;
  /** SMS already seen in the inbox. */
  @state() private seen = 0;
  @state() private inbox: PhoneSms[] = [];
  /** Raised by every action, so that an older refresh does not undo what an action showed. */
  private acts = 0;

  private off?: () => void;

  override connectedCallback(): void {
    super.connectedCallback();
    this.listen();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.off?.();
    this.off = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('apps')) {
      this.listen();
      this.reset();
    }
    // A warning about a QR goes with that QR.
    if (changed.has('screen') && this.note && !this.scanned && this.noteAbout !== this.screen?.payload) {
      this.note = '';
    }
  }

  private listen() {
    this.off?.();
    this.off = this.apps?.subscribe(() => void this.refresh());
    void this.refresh();
  }

  /** Forgets what the phone scanned and read (the backend was reset). */
  reset(): void {
    this.scanned = undefined;
    this.inbox = [];
    this.seen = 0;
    this.note = '';
  }

  /** Asks the apps again: the scanned flow as it is now, and the inbox. */
  async refresh(): Promise<void> {
    const apps = this.apps;
    if (!apps) return;
    const was = this.scanned;
    const acts = this.acts;
    if (was && !ENDED.includes(was.view.status)) {
      try {
        const view = await apps.flow(was.account, was.flowId);
        if (this.scanned === was && this.acts === acts) this.scanned = { ...was, view };
      } catch {
        // The flow is gone, or no longer this account's: the phone keeps what it showed.
      }
    }
    const now = this.scanned;
    if (this.note && now && this.noteAbout === now.flowId && ENDED.includes(now.view.status)) {
      this.note = '';
    }
    try {
      const inbox = await apps.inbox();
      if (inbox.length !== this.inbox.length || inbox.at(-1)?.sentAt !== this.inbox.at(-1)?.sentAt) this.inbox = inbox;
    } catch {
      // The inbox stays as it was until the next refresh.
    }
  }

  /* ------------------------------------------------------------ handlers */

  /** Runs an app action on the scanned flow; a refusal (the flow moved on meanwhile) is shown on the phone. */
  private async act(run: (apps: PhoneApps, s: Scanned) => Promise<AppFlow>, after?: () => void) {
    const s = this.scanned;
    if (!s || !this.apps) return;
    this.note = '';
    this.acts++;
    try {
      const view = await run(this.apps, s);
      if (this.scanned === s) this.scanned = { ...s, view };
      after?.();
    } catch (e) {
      this.noteAbout = s.flowId;
      this.note = this.refusal(e);
    }
  }

  private async onScan(target: ScreenQr) {
    const apps = this.apps;
    if (!apps) return;
    const face = !!target.face;
    const needed: QrApp | undefined = target.face ? (target.face === 'face_iit' ? 'iit' : 'etax') : undefined;
    const readers = target.apps ?? ['etax', 'iit'];
    if ((needed && needed !== this.app) || (!face && !readers.includes(this.app))) {
      this.noteAbout = target.payload;
      this.note = this.t.phone.wrongApp(this.t.phone.apps[needed ?? readers[0]]);
      return;
    }
    this.note = '';
    this.acts++;
    const account = this.signedIn;
    const app = this.app;
    try {
      const view = await apps.scan(account, app, target.payload);
      this.scanned = { flowId: view.flowId, face, app, account, view };
      this.agreed = false;
      this.slid = false;
    } catch (e) {
      this.noteAbout = target.payload;
      this.note = this.refusal(e);
    }
  }

  /** What the phone says when an action failed: a refusal of the app API in the app's words, in its language. */
  private refusal(e: unknown): string {
    const words = this.t.phone.refusals;
    return e instanceof AppRefusal ? (words[e.code] ?? words.other) : (e as Error).message;
  }

  private done() {
    this.scanned = undefined;
    this.note = '';
  }

  private get signedIn(): string {
    return this.account || this.accounts[0]?.id || '';
  }

  /* -------------------------------------------------------------- render */

  private renderHome(t: DemoStrings['phone']): TemplateResult {
    const target = this.screen;
    const what = !target
      ? t.noQr
      : !target.face
        ? t.loginQr
        : t.faceQr(t.apps[target.face === 'face_etax' ? 'etax' : 'iit']);
    return html`
      <label
        >${t.account}
        <select
          @change=${(e: Event) => {
            this.account = (e.target as HTMLSelectElement).value;
          }}
        >
          ${this.accounts.map(
            (a) =>
              html`<option value=${a.id} ?selected=${a.id === this.signedIn}>
                ${a.name}（${a.username ?? a.id}）
              </option>`,
          )}
        </select>
      </label>
      <button
        type="button"
        class="act primary scan ${this.app}"
        ?disabled=${!target}
        @click=${() => target && this.onScan(target)}
      >
        ${t.scan}
      </button>
      <p class="muted">${t.onPage}${what}</p>
    `;
  }

  /** Where the login was asked from, as the app API tells the phone (§15.5): the person refuses a login they did not start. */
  private renderPage(t: DemoStrings['phone'], view: AppFlow) {
    const { origin, browser, place } = view.page;
    if (!origin && !browser && !place) return nothing;
    return html`<dl class="page" data-page>
      ${
        origin
          ? html`<dt>${t.page.origin}</dt>
              <dd>${origin}</dd>`
          : nothing
      }
      ${
        browser
          ? html`<dt>${t.page.browser}</dt>
              <dd>${browser}</dd>`
          : nothing
      }
      ${
        place
          ? html`<dt>${t.page.place}</dt>
              <dd>${place}</dd>`
          : nothing
      }
    </dl>`;
  }

  private renderLoginScan(t: DemoStrings['phone'], s: Scanned): TemplateResult {
    const v = s.view;
    if (v.status === 'qr_scanned') {
      const person = this.accounts.find((a) => a.id === s.account);
      return html`<div class="card">
        <h3>${t.confirmTitle}</h3>
        <p>${t.confirmText(person?.name ?? '')}</p>
        ${this.renderPage(t, v)}
        ${
          v.matchCode
            ? html`<p class="muted">${t.matchCode}</p>
                <p class="code" data-match-code>${v.matchCode}</p>`
            : nothing
        }
        <p class="warn">${t.page.warning}</p>
        <button
          type="button"
          class="act primary ${this.app}"
          @click=${() => this.act((a, x) => a.confirm(x.account, x.flowId))}
        >
          ${t.confirm}
        </button>
        <div class="row">
          <button type="button" class="act" @click=${() => this.act((a, x) => a.refuse(x.account, x.flowId))}>
            ${t.deny}
          </button>
          <button type="button" class="act" @click=${() => this.act((a, x) => a.cancel(x.account, x.flowId))}>
            ${t.cancel}
          </button>
        </div>
        <button
          type="button"
          class="link"
          @click=${() =>
            this.act(
              (a, x) => a.back(x.account, x.flowId),
              () => (this.scanned = undefined),
            )}
        >
          ${t.back}
        </button>
      </div>`;
    }
    const r = t.results;
    const text =
      v.status === 'authenticated' || v.status === 'identity_required'
        ? r.confirmed
        : v.status === 'denied'
          ? r.denied
          : v.status === 'cancelled'
            ? v.by === 'phone'
              ? r.cancelled
              : r.gone
            : v.status === 'locked'
              ? r.locked
              : r.gone;
    return this.renderResult(text);
  }

  private renderFaceScan(t: DemoStrings['phone'], s: Scanned): TemplateResult {
    const v = s.view;
    const head = html`<h3>${t.faceTitle}</h3>
      ${v.method ? html`<p class="muted">${t.faceFor(t.methods[v.method])}</p>` : nothing}`;
    if (v.status === 'face_scanned') {
      const iit = s.app === 'iit';
      const ready = !iit || (this.agreed && this.slid);
      return html`<div class="card">
        ${head} ${this.renderPage(t, v)}
        <div class="face" aria-hidden="true">◠ ◠<br />‿</div>
        ${
          iit
            ? html`<label
                  ><input
                    type="checkbox"
                    .checked=${this.agreed}
                    @change=${(e: Event) => {
                      this.agreed = (e.target as HTMLInputElement).checked;
                    }}
                  />
                  ${t.agree}</label
                >
                <label
                  >${t.slider}
                  <input
                    type="range"
                    min="0"
                    max="100"
                    .value=${this.slid ? '100' : '0'}
                    @input=${(e: Event) => {
                      this.slid = Number((e.target as HTMLInputElement).value) >= 100;
                    }}
                /></label>`
            : nothing
        }
        <p class="muted">${t.actions}</p>
        <button
          type="button"
          class="act primary ${s.app}"
          ?disabled=${!ready}
          @click=${() => this.act((a, x) => a.faceStart(x.account, x.flowId))}
        >
          ${t.startFace}
        </button>
        <div class="row">
          <button type="button" class="act" @click=${() => this.act((a, x) => a.refuse(x.account, x.flowId))}>
            ${t.deny}
          </button>
          <button type="button" class="act" @click=${() => this.act((a, x) => a.cancel(x.account, x.flowId))}>
            ${t.cancel}
          </button>
        </div>
      </div>`;
    }
    if (v.status === 'face_verifying') {
      return html`<div class="card">
        ${head}
        <p>${t.verifying}</p>
        <div class="row">
          <button
            type="button"
            class="act primary"
            @click=${() => this.act((a, x) => a.faceResult(x.account, x.flowId, true))}
          >
            ${t.pass}
          </button>
          <button
            type="button"
            class="act"
            @click=${() => this.act((a, x) => a.faceResult(x.account, x.flowId, false))}
          >
            ${t.fail}
          </button>
        </div>
        <button type="button" class="link" @click=${() => this.act((a, x) => a.cancel(x.account, x.flowId))}>
          ${t.cancel}
        </button>
      </div>`;
    }
    const r = t.results;
    const text =
      v.status === 'authenticated' || v.status === 'identity_required'
        ? r.passed
        : v.status === 'face_failed'
          ? r.failed(v.attemptsLeft ?? 0)
          : v.status === 'denied'
            ? r.denied
            : v.status === 'cancelled' && v.by === 'phone'
              ? r.cancelled
              : v.status === 'locked'
                ? r.locked
                : r.gone;
    return this.renderResult(text);
  }

  private renderResult(text: string): TemplateResult {
    return html`<div class="card">
      <p data-result>${text}</p>
      <button type="button" class="act" @click=${this.done}>${this.t.phone.done}</button>
    </div>`;
  }

  private renderInbox(t: DemoStrings['phone'], messages: readonly PhoneSms[]): TemplateResult {
    if (!messages.length) return html`<p class="app muted">${t.noSms}</p>`;
    return html`<ol class="inbox" aria-label=${t.inbox}>
      ${[...messages].reverse().map(
        (m) =>
          html`<li>
            <span class="from"><span>${t.sender}</span><span>${time(m.sentAt)}</span></span>
            <span data-sms>${m.text}</span>
          </li>`,
      )}
    </ol>`;
  }

  override render(): TemplateResult {
    const t = this.t.phone;
    const messages = this.inbox;
    if (this.tab === 'sms' && this.seen !== messages.length) queueMicrotask(() => (this.seen = messages.length));
    const unseen = this.tab === 'app' && messages.length > this.seen ? messages[messages.length - 1] : undefined;
    const s = this.scanned;
    const unscanned = !s || ['qr_waiting', 'face_waiting', 'step_up_required'].includes(s.view.status);
    let body: TemplateResult;
    if (!this.apps) body = html``;
    else if (unscanned) body = this.renderHome(t);
    else if (s.face) body = this.renderFaceScan(t, s);
    else body = this.renderLoginScan(t, s);

    return html`<div class="frame" role="group" aria-label=${t.label}>
      <div class="bar" aria-hidden="true"><span>9:41</span><span>5G ▮▮▮</span></div>
      <div class="notch" aria-hidden="true"></div>
      <div class="screen">
        <div class="switch">
          <button type="button" aria-pressed=${this.tab === 'app'} @click=${() => (this.tab = 'app')}>
            ${t.tabs.app}
          </button>
          <button type="button" aria-pressed=${this.tab === 'sms'} @click=${() => (this.tab = 'sms')}>
            ${t.smsCount(messages.length)}
          </button>
        </div>
        ${
          unseen
            ? html`<button type="button" class="banner" @click=${() => (this.tab = 'sms')}>${unseen.text}</button>`
            : nothing
        }
        ${
          this.tab === 'sms'
            ? this.renderInbox(t, messages)
            : html`<div class="app" aria-live="polite">
                <div class="app-head ${this.app}">${t.appTitle[this.app]}</div>
                <fieldset ?disabled=${!unscanned}>
                  <legend>${t.app}</legend>
                  ${(['etax', 'iit'] as QrApp[]).map(
                    (a) =>
                      html`<label
                        ><input
                          type="radio"
                          name="app"
                          .value=${a}
                          .checked=${a === this.app}
                          @change=${() => {
                            this.app = a;
                            this.note = '';
                          }}
                        />
                        ${t.apps[a]}</label
                      >`,
                  )}
                </fieldset>
                ${body} ${this.note ? html`<p class="note" role="alert">${this.note}</p>` : nothing}
              </div>`
        }
        <div class="home" aria-hidden="true"></div>
      </div>
    </div>`;
  }
}

if (!customElements.get('demo-phone')) customElements.define('demo-phone', DemoPhone);

declare global {
  interface HTMLElementTagNameMap {
    'demo-phone': DemoPhone;
  }
}
