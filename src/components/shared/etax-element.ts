/**
 * What the four elements share: the configuration a host sets on any of them,
 * the connection to a headless client, translations, and the `etax-*` events
 * of each state change.
 */
import { LitElement, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import type { LoginClient, LoginClientOptions } from '../../client/client.js';
import type { TransportName } from '../../client/protocol.js';
import type { LoginError, LoginState } from '../../client/state.js';
import { eventsFor } from '../events/index.js';
import { errorMessage, translationFor } from '../i18n/localize.js';
import type { PartialTranslation, Translation } from '../i18n/translation.js';
import { ClientController } from './client-controller.js';

export abstract class EtaxElement extends LitElement {
  /** URL of the auth backend (the protocol's base, e.g. `/api/etax-login`). Used when no `client` is given. */
  @property({ attribute: 'base-url', reflect: true }) baseUrl?: string;

  /** Transport for the element's own client: `auto` (default), `poll`, `long-poll`, `sse` or `websocket`. */
  @property() transport: 'auto' | TransportName = 'auto';

  /** A headless client to render instead of making one (share one client between elements). */
  @property({ attribute: false }) client?: LoginClient;

  /** Extra options for the element's own client (headers, credentials, `encrypt`, `fetch`, …). */
  @property({ attribute: false }) clientOptions?: Partial<LoginClientOptions>;

  /** Language: `zh-CN` (default) or `en`. Reacts at runtime. */
  @property() override lang = '';

  /** Overrides any words of the translation. */
  @property({ attribute: false }) strings?: PartialTranslation;

  /** Colour scheme: follows the system unless `light` or `dark`. */
  @property({ reflect: true }) theme?: 'light' | 'dark';

  /** Elder-friendly (适老化) mode: larger text and controls. */
  @property({ type: Boolean, reflect: true, attribute: 'large-text' }) largeText = false;

  /**
   * Set by a containing etax element: the container dispatches the events of
   * state changes, so they are not dispatched twice.
   */
  @property({ type: Boolean }) embedded = false;

  protected readonly login = new ClientController(
    this,
    () =>
      this.baseUrl && !this.client
        ? { baseUrl: this.baseUrl, transport: this.transport, ...this.clientOptions }
        : undefined,
    (state, previous) => this.stateChanged(state, previous),
  );

  /** The translation in force. */
  protected get t(): Translation {
    return translationFor(this.lang || this.closest('[lang]')?.getAttribute('lang') || undefined, this.strings);
  }

  /** The state to render. */
  protected get state(): LoginState {
    return this.login.state;
  }

  /** The text a person sees for an error. */
  protected message(error: LoginError): string {
    return errorMessage(this.t, error);
  }

  /** Whether an expired login QR is being replaced by itself (for `etax-qr-expired`). */
  protected autoRefreshing(): boolean {
    return false;
  }

  /** Reacts to a state change of the client; dispatches its events unless embedded. */
  protected stateChanged(state: LoginState, previous: LoginState): void {
    if (this.embedded) return;
    for (const event of eventsFor(state, previous, (e) => this.message(e), this.autoRefreshing())) {
      this.dispatchEvent(event);
    }
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this.login.use(this.client);
    // After the first render, a new base URL, transport or options means a new own client.
    if (this.hasUpdated && (changed.has('baseUrl') || changed.has('transport') || changed.has('clientOptions'))) {
      this.login.renew();
    }
  }
}
