/**
 * Connects an element to a headless client: subscribes while the element is
 * connected, re-renders it on every state change, and — when the element made
 * the client itself — destroys it on removal so no request or timer is left.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Unsubscribe } from 'nanoevents';
import { createLoginClient, type LoginClient, type LoginClientOptions } from '../../client/client.js';
import type { LoginState } from '../../client/state.js';

const IDLE: LoginState = { kind: 'idle', password: { status: 'idle' } };

export class ClientController implements ReactiveController {
  private off?: Unsubscribe;
  private given?: LoginClient;
  private own?: LoginClient;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    /** Options for a client of the element's own, or undefined when it cannot make one (no base URL). */
    private readonly options: () => LoginClientOptions | undefined,
    /** Called on every state change while connected. */
    private readonly changed?: (state: LoginState, previous: LoginState) => void,
  ) {
    host.addController(this);
  }

  /** The client in use: the one given, or the element's own. */
  get client(): LoginClient | undefined {
    return this.given ?? this.own;
  }

  get state(): LoginState {
    return this.client?.state ?? IDLE;
  }

  /** Uses a client from outside (the `client` property); undefined goes back to an own client. */
  use(client: LoginClient | undefined): void {
    if (client === this.given) return;
    this.unsubscribe();
    this.given = client;
    if (client) this.dropOwn();
    if (this.host.isConnected) this.subscribe();
  }

  /** Replaces the element's own client (after its base URL or transport changed). */
  renew(): void {
    if (this.given || !this.host.isConnected) return;
    this.unsubscribe();
    this.dropOwn();
    this.subscribe();
  }

  hostConnected(): void {
    this.subscribe();
  }

  hostDisconnected(): void {
    this.unsubscribe();
    this.dropOwn();
  }

  private subscribe() {
    if (!this.given && !this.own) {
      const options = this.options();
      if (options) this.own = createLoginClient(options);
    }
    const client = this.client;
    if (client) {
      this.off = client.on('state', (state, previous) => {
        this.host.requestUpdate();
        this.changed?.(state, previous);
      });
    }
    this.host.requestUpdate();
  }

  private unsubscribe() {
    this.off?.();
    this.off = undefined;
  }

  private dropOwn() {
    this.own?.destroy();
    this.own = undefined;
  }
}
