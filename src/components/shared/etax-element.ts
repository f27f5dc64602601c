/**
 * What the four elements share: the configuration a host sets on any of them,
 * the connection to a headless client, translations, and the `etax-*` events
 * of each state change.
 *
 * Reactive properties are declared in `static properties` rather than with
 * decorators: the same Lit properties, without the decorators' code in the
 * drop-in bundle.
 */
import { LitElement, type PropertyDeclarations, type PropertyValues } from 'lit';
import { ClientController } from './client-controller.js';
import type { LoginClient, LoginClientOptions } from '../../client/client.js';
import type { TransportName } from '../../client/protocol.js';
import type { LoginError, LoginState } from '../../client/state.js';
import { eventsFor } from '../events/index.js';
import { errorMessage, languageOf, translationFor } from '../i18n/localize.js';
import type { PartialTranslation, Translation } from '../i18n/translation.js';

export abstract class EtaxElement extends LitElement {
  static override properties: PropertyDeclarations = {
    baseUrl: { attribute: 'base-url', reflect: true },
    transport: {},
    client: { attribute: false },
    clientOptions: { attribute: false },
    lang: {},
    strings: { attribute: false },
    theme: { reflect: true },
    largeText: { type: Boolean, reflect: true, attribute: 'large-text' },
    embedded: { type: Boolean },
  };

  /**
   * URL of the auth backend (the protocol's base, e.g. `/api/etax-login`), for a client of the
   * element's own when no `client` is given. Used by `<etax-login>` and `<qr-login-panel>`, which
   * start flows; `<step-up-dialog>` and `<sms-verify>` render the `client` that ran the password step.
   */
  baseUrl?: string;

  /**
   * Transport for the element's own client: `auto` (default), `poll`, `long-poll`, `sse` or `websocket`.
   * The elements bring the `sse` transport themselves; `websocket` also needs the transport itself,
   * kept out of the drop-in for its size: `el.clientOptions = { webSocket }` from
   * `etax-login/client/websocket`. Without it, or when the
   * server does not offer the one asked for, the client uses the best other transport the server offers.
   */
  transport: 'auto' | TransportName = 'auto';

  /** A headless client to render instead of making one (share one client between elements). */
  client?: LoginClient;

  /** Extra options for the element's own client (headers, credentials, `encrypt`, `fetch`, …). */
  clientOptions?: Partial<LoginClientOptions>;

  /** Language: `zh-CN` (default) or `en`. Reacts at runtime. */
  override lang = '';

  /** Overrides any words of the translation. */
  strings?: PartialTranslation;

  /** Colour scheme: follows the system unless `light` or `dark`. */
  theme?: 'light' | 'dark';

  /** Elder-friendly (适老化) mode: larger text and controls. */
  largeText = false;

  /**
   * Set by a containing etax element: the container dispatches the events of
   * state changes, so they are not dispatched twice.
   */
  embedded = false;

  protected readonly login = new ClientController(
    this,
    () => this.client,
    () =>
      this.baseUrl
        ? this.makeClient?.({
            baseUrl: this.baseUrl,
            transport: this.transport,
            // A server answers an error's message in the element's language where it can.
            acceptLanguage: () => languageOf(this.__lang()),
            ...this.clientOptions,
          })
        : undefined,
    (state, previous) => this.stateChanged(state, previous),
  );

  /**
   * Makes the element's own client from `base-url`. Only the elements that start a flow have
   * one (`<etax-login>`, `<qr-login-panel>`); the step-up dialog and the SMS entry render the
   * client that ran the password step, so they leave the client's code to the page.
   */
  protected makeClient?(options: LoginClientOptions): LoginClient;

  /** The language asked for: `lang`, else the nearest ancestor's (none in a server renderer's DOM shim). */
  private __lang(): string | undefined {
    return this.lang || this.closest?.<HTMLElement>('[lang]')?.lang;
  }

  /** The translation in force. */
  protected get t(): Translation {
    return translationFor(this.__lang(), this.strings);
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

  /** Reacts to a state change of the client: dispatches its events unless embedded, and returns them. */
  protected stateChanged(state: LoginState, previous: LoginState): Event[] {
    const events = this.embedded ? [] : eventsFor(state, previous, (e) => this.message(e), this.autoRefreshing());
    for (const e of events) this.dispatchEvent(e);
    return events;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The first render connects the client, once Lit has applied the properties a page set
    // before the element was defined (`clientOptions` with its `webSocket`, `fetch`, …); later,
    // a new client, or a new base URL, transport or options (a new own client).
    if (
      this.isConnected &&
      (!this.hasUpdated ||
        changed.has('client') ||
        changed.has('baseUrl') ||
        changed.has('transport') ||
        changed.has('clientOptions'))
    )
      this.login.connect(this.hasUpdated && !changed.has('client'));
  }
}
