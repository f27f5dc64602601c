/**
 * Re-renders its element once a second while `active()` says a countdown is
 * shown; runs no timer otherwise, and none once the element is removed.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class Ticker implements ReactiveController {
  #timer?: ReturnType<typeof setInterval>;
  readonly #host: ReactiveControllerHost;
  readonly #active: () => boolean;

  constructor(host: ReactiveControllerHost, active: () => boolean) {
    this.#host = host;
    this.#active = active;
    host.addController(this);
  }

  hostUpdated(): void {
    const on = this.#active();
    if (on && !this.#timer) this.#timer = setInterval(() => this.#host.requestUpdate(), 1000);
    else if (!on) this.#stop();
  }

  hostDisconnected(): void {
    this.#stop();
  }

  #stop() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
