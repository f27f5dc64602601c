/**
 * `<demo-phone>`: the taxpayer's phone, played against the mock backend. It
 * scans the QR the web page shows with the e-tax app or the IIT app, shows
 * the confirmation screen (with the page's check code) or the face
 * recognition screen, and receives the SMS codes. It follows the mock's flows
 * through `control.subscribe()` and acts through the controls, as the real
 * apps act on the real server.
 */
import type { DemoControl } from './remote-control.js';
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { QrApp } from '../src/client/protocol.js';
import type { FlowInfo, MockAccount, SmsMessage } from '../src/mock/index.js';
import { STRINGS, type DemoStrings } from './strings.js';

/** What the phone scanned last: a login QR or a face-recognition QR of one flow. */
interface Scanned {
  flowId: string;
  face: boolean;
  app: QrApp;
}

const SHOWS_QR = ['qr_waiting', 'face_waiting'];
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

  /** The mock backend's controls. */
  @property({ attribute: false }) control?: DemoControl;

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
  /** The flow the note is about: the note goes once that flow has ended. */
  private noteFlow?: string;
  /** SMS already seen in the inbox. */
  @state() private seen = 0;

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
    if (changed.has('control')) {
      this.listen();
      this.scanned = undefined;
      this.seen = 0;
    }
  }

  private listen() {
    this.off?.();
    this.off = this.control?.subscribe((change) => {
      if (change.type === 'reset') {
        this.scanned = undefined;
        this.seen = 0;
        this.note = '';
      }
      if (change.type === 'flow' && this.note && !this.control?.flows.find((f) => f.id === this.noteFlow)?.live) {
        this.note = '';
      }
      if (change.type !== 'request') this.requestUpdate();
    });
  }

  /* ------------------------------------------------------------ handlers */

  /** Runs a control; a refusal (the flow moved on meanwhile) is shown on the phone. */
  private async act(run: () => unknown) {
    this.note = '';
    try {
      await run();
    } catch (e) {
      this.noteFlow = this.control?.flow()?.id;
      this.note = (e as Error).message;
    }
    this.requestUpdate();
  }

  private onScan(target: FlowInfo) {
    const face = target.status === 'face_waiting';
    const needed: QrApp | undefined = face
      ? target.state.status === 'face_waiting' && target.state.method === 'face_iit'
        ? 'iit'
        : 'etax'
      : undefined;
    const apps = target.state.status === 'qr_waiting' ? (target.state.qr.apps ?? ['etax', 'iit']) : [];
    if ((needed && needed !== this.app) || (!face && !apps.includes(this.app))) {
      this.noteFlow = target.id;
      this.note = this.t.phone.wrongApp(this.t.phone.apps[needed ?? apps[0]]);
      return;
    }
    void this.act(async () => {
      await this.control!.scan(this.app, face ? target.id : { flowId: target.id, account: this.signedIn });
      this.scanned = { flowId: target.id, face, app: this.app };
      this.agreed = false;
      this.slid = false;
    });
  }

  private done() {
    this.scanned = undefined;
    this.note = '';
  }

  private get signedIn(): string {
    return this.account || this.accounts[0]?.id || '';
  }

  /* -------------------------------------------------------------- render */

  private renderHome(t: DemoStrings['phone'], flows: FlowInfo[]): TemplateResult {
    const target = [...flows].reverse().find((f) => f.live && SHOWS_QR.includes(f.status));
    const what = !target
      ? t.noQr
      : target.status === 'qr_waiting'
        ? t.loginQr
        : t.faceQr(
            t.apps[target.state.status === 'face_waiting' && target.state.method === 'face_etax' ? 'etax' : 'iit'],
          );
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

  private renderLoginScan(t: DemoStrings['phone'], flow: FlowInfo): TemplateResult {
    const s = flow.state;
    const id = flow.id;
    const c = this.control!;
    if (s.status === 'qr_scanned') {
      const person = this.accounts.find((a) => a.id === flow.account);
      return html`<div class="card">
        <h3>${t.confirmTitle}</h3>
        <p>${t.confirmText(person?.name ?? '')}</p>
        ${
          s.qr.matchCode
            ? html`<p class="muted">${t.matchCode}</p>
                <p class="code" data-match-code>${s.qr.matchCode}</p>`
            : nothing
        }
        <button type="button" class="act primary ${this.app}" @click=${() => this.act(() => c.confirm(id))}>
          ${t.confirm}
        </button>
        <div class="row">
          <button type="button" class="act" @click=${() => this.act(() => c.deny(id))}>${t.deny}</button>
          <button type="button" class="act" @click=${() => this.act(() => c.cancel(id))}>${t.cancel}</button>
        </div>
        <button
          type="button"
          class="link"
          @click=${() =>
            this.act(async () => {
              await c.unscan(id);
              this.scanned = undefined;
            })}
        >
          ${t.back}
        </button>
      </div>`;
    }
    const r = t.results;
    const text =
      s.status === 'authenticated' || s.status === 'identity_required'
        ? r.confirmed
        : s.status === 'denied'
          ? r.denied
          : s.status === 'cancelled'
            ? s.by === 'phone'
              ? r.cancelled
              : r.gone
            : s.status === 'locked'
              ? r.locked
              : r.gone;
    return this.renderResult(text);
  }

  private renderFaceScan(t: DemoStrings['phone'], flow: FlowInfo): TemplateResult {
    const s = flow.state;
    const id = flow.id;
    const c = this.control!;
    const method = 'method' in s ? s.method : undefined;
    const head = html`<h3>${t.faceTitle}</h3>
      ${method ? html`<p class="muted">${t.faceFor(t.methods[method])}</p>` : nothing}`;
    if (s.status === 'face_scanned') {
      const iit = this.scanned?.app === 'iit';
      const ready = !iit || (this.agreed && this.slid);
      return html`<div class="card">
        ${head}
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
          class="act primary ${this.scanned?.app}"
          ?disabled=${!ready}
          @click=${() => this.act(() => c.faceVerify(id))}
        >
          ${t.startFace}
        </button>
        <div class="row">
          <button type="button" class="act" @click=${() => this.act(() => c.deny(id))}>${t.deny}</button>
          <button type="button" class="act" @click=${() => this.act(() => c.cancel(id))}>${t.cancel}</button>
        </div>
      </div>`;
    }
    if (s.status === 'face_verifying') {
      return html`<div class="card">
        ${head}
        <p>${t.verifying}</p>
        <div class="row">
          <button type="button" class="act primary" @click=${() => this.act(() => c.facePass(id))}>${t.pass}</button>
          <button type="button" class="act" @click=${() => this.act(() => c.faceFail(id))}>${t.fail}</button>
        </div>
        <button type="button" class="link" @click=${() => this.act(() => c.cancel(id))}>${t.cancel}</button>
      </div>`;
    }
    const r = t.results;
    const text =
      s.status === 'authenticated' || s.status === 'identity_required'
        ? r.passed
        : s.status === 'face_failed'
          ? r.failed(s.methods.includes(s.method) ? s.attemptsLeft : 0)
          : s.status === 'denied'
            ? r.denied
            : s.status === 'cancelled' && s.by === 'phone'
              ? r.cancelled
              : s.status === 'locked'
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

  private renderInbox(t: DemoStrings['phone'], messages: readonly SmsMessage[]): TemplateResult {
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
    const c = this.control;
    const flows = c?.flows ?? [];
    const messages = c?.smsCodes ?? [];
    if (this.tab === 'sms' && this.seen !== messages.length) queueMicrotask(() => (this.seen = messages.length));
    const unseen = this.tab === 'app' && messages.length > this.seen ? messages[messages.length - 1] : undefined;
    const flow = this.scanned && c?.flow(this.scanned.flowId);
    const unscanned =
      !flow ||
      (this.scanned &&
        (flow.status === 'qr_waiting' || flow.status === 'face_waiting' || flow.status === 'step_up_required'));
    let body: TemplateResult;
    if (!c) body = html``;
    else if (unscanned) body = this.renderHome(t, flows);
    else if (this.scanned!.face) body = this.renderFaceScan(t, flow);
    else body = this.renderLoginScan(t, flow);

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
