/**
 * `<demo-event-log>`: the `etax-*` events that reach `source` (they bubble and
 * are composed), newest first, each with its `detail` as JSON. Events carry no
 * password or SMS code; the session token of `etax-login-success` is the
 * host's to use, and this log does not print it.
 */
import { css, html, LitElement, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import {
  EtaxCancelEvent,
  EtaxErrorEvent,
  EtaxIdentityRequiredEvent,
  EtaxLoginSuccessEvent,
  EtaxMethodChosenEvent,
  EtaxQrExpiredEvent,
  EtaxQrReadyEvent,
  EtaxQrScannedEvent,
  EtaxSmsSentEvent,
  EtaxStateChangeEvent,
  EtaxStepUpRequiredEvent,
} from '../src/components/events/index.js';
import { STRINGS, type DemoStrings } from './strings.js';

/** Every event the elements dispatch. */
export const EVENT_NAMES: string[] = [
  EtaxStateChangeEvent,
  EtaxQrReadyEvent,
  EtaxQrScannedEvent,
  EtaxQrExpiredEvent,
  EtaxStepUpRequiredEvent,
  EtaxMethodChosenEvent,
  EtaxSmsSentEvent,
  EtaxIdentityRequiredEvent,
  EtaxLoginSuccessEvent,
  EtaxErrorEvent,
  EtaxCancelEvent,
].map((e) => e.eventName);

const LIMIT = 300;
const HIDDEN = ['token', 'flowToken', 'password'];

interface Entry {
  n: number;
  at: string;
  name: string;
  summary: string;
  json: string;
}

/** JSON of a detail, with the session token left out. */
const toJson = (detail: unknown, pretty: boolean) =>
  JSON.stringify(detail, (key, value: unknown) => (HIDDEN.includes(key) ? '…' : value), pretty ? 2 : undefined) ??
  'null';

const stamp = () => {
  const d = new Date();
  return `${d.toLocaleTimeString('zh-CN', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

export class DemoEventLog extends LitElement {
  static override styles = css`
    :host {
      display: block;
      font-size: 13px;
    }
    .tools {
      display: flex;
      flex-wrap: wrap;
      gap: 8px 16px;
      align-items: center;
      margin-bottom: 8px;
    }
    button {
      font: inherit;
      min-height: 32px;
      border-radius: 6px;
      border: 1px solid var(--demo-border, #8c959f);
      background: var(--demo-surface, #fff);
      color: inherit;
      padding: 0 10px;
      cursor: pointer;
    }
    ol {
      list-style: none;
      margin: 0;
      padding: 0;
      max-height: 420px;
      overflow: auto;
      border: 1px solid var(--demo-line, #d0d7de);
      border-radius: 6px;
    }
    li {
      padding: 4px 8px;
      border-bottom: 1px solid var(--demo-line, #d0d7de);
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      overflow-wrap: anywhere;
    }
    .at {
      color: var(--demo-muted, #57606a);
      margin-right: 6px;
    }
    .name {
      font-weight: 700;
      margin-right: 6px;
    }
    pre {
      margin: 4px 0 0;
      white-space: pre-wrap;
    }
    .muted {
      color: var(--demo-muted, #57606a);
      font-family: inherit;
    }
    :focus-visible {
      outline: 3px solid var(--demo-focus, #0b57d0);
      outline-offset: 2px;
    }
  `;

  /** Where the events are listened for (an element around `<etax-login>`). */
  @property({ attribute: false }) source?: EventTarget;

  /** The demo's words. */
  @property({ attribute: false }) t: DemoStrings = STRINGS['zh-CN'];

  @state() private entries: Entry[] = [];
  @state() private stateChanges = true;

  private count = 0;
  private listening?: EventTarget;
  private readonly onEvent = (event: Event) => this.add(event);

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.listen(undefined);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.listen(this.source);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('source') && this.isConnected) this.listen(this.source);
  }

  private listen(target: EventTarget | undefined) {
    for (const name of EVENT_NAMES) this.listening?.removeEventListener(name, this.onEvent);
    this.listening = target;
    for (const name of EVENT_NAMES) target?.addEventListener(name, this.onEvent);
  }

  private add(event: Event) {
    const detail = (event as CustomEvent).detail as unknown;
    const change = event.type === EtaxStateChangeEvent.eventName;
    const d = detail as { state?: { kind: string }; previous?: { kind: string } };
    const entry: Entry = {
      n: ++this.count,
      at: stamp(),
      name: event.type,
      summary: change ? `${d.previous?.kind} → ${d.state?.kind}` : toJson(detail, false),
      json: change ? toJson(detail, true) : '',
    };
    this.entries = [entry, ...this.entries].slice(0, LIMIT);
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries = [];
  }

  override render(): TemplateResult {
    const t = this.t.log;
    const shown = this.stateChanges
      ? this.entries
      : this.entries.filter((e) => e.name !== EtaxStateChangeEvent.eventName);
    return html`<div class="tools">
        <label
          ><input
            type="checkbox"
            .checked=${this.stateChanges}
            @change=${(e: Event) => (this.stateChanges = (e.target as HTMLInputElement).checked)}
          />
          ${t.showStateChange}</label
        >
        <button type="button" @click=${this.clear}>${t.clear}</button>
      </div>
      ${
        shown.length
          ? html`<ol aria-label=${t.title}>
              ${shown.map(
                (e) =>
                  html`<li data-event=${e.name}>
                    <span class="at">${e.at}</span><span class="name">${e.name}</span>
                    ${
                      e.json
                        ? html`<details>
                            <summary>${e.summary}</summary>
                            <pre>${e.json}</pre>
                          </details>`
                        : html`<span class="detail">${e.summary}</span>`
                    }
                  </li>`,
              )}
            </ol>`
          : html`<p class="muted">${t.empty}</p>`
      }`;
  }
}

if (!customElements.get('demo-event-log')) customElements.define('demo-event-log', DemoEventLog);

declare global {
  interface HTMLElementTagNameMap {
    'demo-event-log': DemoEventLog;
  }
}
