/**
 * `<demo-server>`: the mock backend's switches — the flows it holds, and the
 * trouble a real server or network causes: expiry, throttling, a locked
 * account, a 5xx answer, a malformed answer, latency, dropped streams.
 * Dispatches `demo-reset` after resetting the backend, so the page can start
 * its login again.
 */
import type { DemoControl } from './remote-control.js';
import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { FlowInfo, MockAccount } from '../src/mock/index.js';
import { STRINGS, type DemoStrings } from './strings.js';

const SHOWS_QR = ['qr_waiting', 'qr_scanned', 'face_waiting', 'face_scanned'];
const LATENCIES = [0, 300, 1500, 4000];
const time = (ms: number) => new Date(ms).toLocaleTimeString('zh-CN', { hour12: false });

export class DemoServer extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 14px;
    }
    h3 {
      font-size: 14px;
      margin: 12px 0 6px;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font-size: 13px;
    }
    th,
    td {
      text-align: left;
      padding: 3px 4px;
      border-bottom: 1px solid var(--demo-line, #d0d7de);
      white-space: nowrap;
    }
    td.status {
      font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
      white-space: normal;
      /* A status such as step_up_required breaks where it must, within the panel. */
      overflow-wrap: anywhere;
    }
    tr.over td {
      color: var(--demo-muted, #57606a);
    }
    .buttons {
      display: flex;
      flex-wrap: wrap;
      gap: 6px;
    }
    button,
    select {
      font: inherit;
      min-height: 34px;
      border-radius: 6px;
      border: 1px solid var(--demo-border, #8c959f);
      background: var(--demo-surface, #fff);
      color: inherit;
      padding: 0 10px;
    }
    button {
      cursor: pointer;
    }
    button:disabled {
      opacity: 0.55;
      cursor: not-allowed;
    }
    button[aria-pressed='true'] {
      background: var(--demo-text, #1f2328);
      color: var(--demo-bg, #fff);
    }
    label {
      display: inline-flex;
      align-items: center;
      gap: 6px;
    }
    .muted {
      color: var(--demo-muted, #57606a);
    }
    p {
      margin: 6px 0;
    }
    .message {
      min-height: 1.5em;
    }
    :focus-visible {
      outline: 3px solid var(--demo-focus, #0b57d0);
      outline-offset: 2px;
    }
  `;

  /** The mock backend's controls. */
  @property({ attribute: false }) control?: DemoControl;

  /** The backend is the demo server's (`npm start`), not the mock in this page. */
  @property({ type: Boolean }) onServer = false;

  /** People of the mock's fixture (for locking an account). */
  @property({ attribute: false }) accounts: MockAccount[] = [];

  /** The demo's words. */
  @property({ attribute: false }) t: DemoStrings = STRINGS['zh-CN'];

  @state() private latency = 0;
  @state() private dropped = false;
  @state() private lockTarget = '';
  @state() private message = '';

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
    if (changed.has('control')) this.listen();
  }

  private listen() {
    this.off?.();
    this.off = this.control?.subscribe((change) => {
      if (change.type !== 'request') this.requestUpdate();
    });
  }

  /** Runs a control and says what happened (a refusal too: the flow may have moved on). */
  private async act(what: string, run: (c: DemoControl) => unknown) {
    const c = this.control;
    if (!c) return;
    try {
      await run(c);
      this.message = this.t.server.done(what);
    } catch (e) {
      this.message = this.t.server.failed(what, (e as Error).message);
    }
    this.requestUpdate();
  }

  /**
   * Resets the backend, then lets the page start a new login: on the demo server the reset is a
   * request, and a new login that reached the server before it would be forgotten with the rest.
   */
  private async reset() {
    await this.act(this.t.server.reset, async (c) => {
      this.latency = 0;
      this.dropped = false;
      await c.reset();
    });
    this.dispatchEvent(new Event('demo-reset', { bubbles: true, composed: true }));
  }

  private renderFlows(t: DemoStrings['server'], flows: FlowInfo[]): TemplateResult {
    if (!flows.length) return html`<p class="muted">${t.noFlows}</p>`;
    const names = new Map(this.accounts.map((a) => [a.id, a.name]));
    return html`<table>
      <thead>
        <tr>
          <th scope="col">${t.time}</th>
          <th scope="col">${t.kind}</th>
          <th scope="col">${t.status}</th>
          <th scope="col">${t.account}</th>
          <th scope="col">${t.streams}</th>
        </tr>
      </thead>
      <tbody>
        ${flows
          .slice(-6)
          .reverse()
          .map(
            (f) =>
              html`<tr class=${f.live ? '' : 'over'}>
                <td>${time(f.createdAt)}</td>
                <td>${t.kinds[f.kind] ?? f.kind}</td>
                <td class="status">${f.status}</td>
                <td>${f.account ? (names.get(f.account) ?? f.account) : '—'}</td>
                <td>${f.streams}</td>
              </tr>`,
          )}
      </tbody>
    </table>`;
  }

  override render(): TemplateResult {
    const t = this.t.server;
    const flows = this.control?.flows ?? [];
    const live = [...flows].reverse().find((f) => f.live);
    const qr = [...flows].reverse().find((f) => f.live && SHOWS_QR.includes(f.status));
    const lockable = this.lockTarget || this.accounts[0]?.id || '';
    return html`<section aria-label=${t.label}>
      <p class="muted">${this.onServer ? t.introOnServer : t.intro}</p>
      <h3>${t.flows}</h3>
      ${this.renderFlows(t, flows)}
      <h3>${t.qrAndFlow}</h3>
      <div class="buttons">
        <button type="button" ?disabled=${!qr} @click=${() => this.act(t.rotateQr, (c) => c.rotateQr(qr!.id))}>
          ${t.rotateQr}
        </button>
        <button type="button" ?disabled=${!qr} @click=${() => this.act(t.expireQr, (c) => c.expireQr(qr!.id))}>
          ${t.expireQr}
        </button>
        <button type="button" ?disabled=${!live} @click=${() => this.act(t.expireFlow, (c) => c.expireFlow(live!.id))}>
          ${t.expireFlow}
        </button>
      </div>
      <h3>${t.trouble}</h3>
      <div class="buttons">
        <button
          type="button"
          @click=${() => this.act(t.throttleSms, (c) => c.throttle(60, { match: { method: 'POST', path: /\/sms$/ } }))}
        >
          ${t.throttleSms}
        </button>
        <button type="button" @click=${() => this.act(t.failNext, (c) => c.failNext(1, 500, { method: 'POST' }))}>
          ${t.failNext}
        </button>
        <button
          type="button"
          @click=${() => this.act(t.malformNext, (c) => c.malformNext(1, 'json', { method: 'POST' }))}
        >
          ${t.malformNext}
        </button>
      </div>
      <p class="buttons">
        <label
          >${t.accountToLock}
          <select
            @change=${(e: Event) => {
              this.lockTarget = (e.target as HTMLSelectElement).value;
            }}
          >
            ${this.accounts.map((a) => html`<option value=${a.id} ?selected=${a.id === lockable}>${a.name}</option>`)}
          </select>
        </label>
        <button
          type="button"
          @click=${() => this.act(`${t.lockAccount}（${lockable}）`, (c) => c.lockAccount(lockable))}
        >
          ${t.lockAccount}
        </button>
        <button
          type="button"
          @click=${() => this.act(`${t.unlockAccount}（${lockable}）`, (c) => c.unlockAccount(lockable))}
        >
          ${t.unlockAccount}
        </button>
      </p>
      <p class="buttons">
        <label
          >${t.latency}
          <select
            @change=${(e: Event) => {
              const ms = Number((e.target as HTMLSelectElement).value);
              this.act(`${t.latency} ${t.latencies[ms]}`, (c) => c.setLatency(ms));
              this.latency = ms;
            }}
          >
            ${LATENCIES.map((ms) => html`<option value=${ms} ?selected=${ms === this.latency}>${t.latencies[ms]}</option>`)}
          </select>
        </label>
        <button
          type="button"
          aria-pressed=${this.dropped ? 'true' : 'false'}
          @click=${() =>
            this.dropped
              ? this.act(t.acceptStreams, (c) => {
                  c.acceptStreams();
                  this.dropped = false;
                })
              : this.act(t.dropStreams, (c) => {
                  c.dropStreams();
                  this.dropped = true;
                })}
        >
          ${this.dropped ? t.acceptStreams : t.dropStreams}
        </button>
      </p>
      ${this.dropped ? html`<p class="muted">${t.streamsRefused}</p>` : nothing}
      <p class="buttons"><button type="button" @click=${this.reset}>${t.reset}</button></p>
      <p class="message" role="status">${this.message}</p>
    </section>`;
  }
}

if (!customElements.get('demo-server')) customElements.define('demo-server', DemoServer);

declare global {
  interface HTMLElementTagNameMap {
    'demo-server': DemoServer;
  }
}
