/**
 * Connects an element to a headless client: subscribes while the element is
 * connected, re-renders it on every state change, and — when the element made
 * the client itself — destroys it on removal so no request or timer is left.
 */
import type { ReactiveController, ReactiveElement } from 'lit';
import type { Unsubscribe } from 'nanoevents';
import type { LoginClient } from '../../client/client.js';
import type { LoginState } from '../../client/state.js';

const IDLE: LoginState = { kind: 'idle', password: { status: 'idle' } };

export class ClientController implements ReactiveController {
  /** The client in use: the one given, or the element's own. */
  client?: LoginClient;
  private __off?: Unsubscribe;
  private __own?: LoginClient;

  constructor(
    private readonly __host: ReactiveElement,
    /** The client given from outside (the `client` property), if any. */
    private readonly __given: () => LoginClient | undefined,
    /** Makes a client of the element's own, or undefined when it has none to make (no base URL). */
    private readonly __make: () => LoginClient | undefined,
    /** Called on every state change while connected. */
    private readonly __changed: (state: LoginState, previous: LoginState) => void,
  ) {
    __host.addController(this);
  }

  get state(): LoginState {
    return this.client?.state ?? IDLE;
  }

  /**
   * Subscribes to the client in use: the given one, else the element's own,
   * made when missing. `renew` replaces the own client (its options changed).
   */
  connect(renew?: boolean): void {
    this.__off?.();
    const given = this.__given();
    if (given || renew) this.hostDisconnected();
    if (!given) this.__own ??= this.__make();
    this.client = given ?? this.__own;
    this.__off = this.client?.on('state', (state, previous) => {
      this.__host.requestUpdate();
      this.__changed(state, previous);
    });
    this.__host.requestUpdate();
  }

  hostConnected(): void {
    // Moved in the page: connect again. The first time, the host's first update does (its
    // properties set before it was defined are applied only then).
    if (this.__host.hasUpdated) this.connect();
  }

  hostDisconnected(): void {
    this.__off?.();
    this.__own?.destroy();
    this.__off = this.__own = this.client = undefined;
  }
}
