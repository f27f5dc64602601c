/**
 * Re-renders its element once a second while `active()` says a countdown is
 * shown; runs no timer otherwise, and none once the element is removed.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class Ticker implements ReactiveController {
  private __timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly __host: ReactiveControllerHost,
    private readonly __active: () => boolean,
  ) {
    __host.addController(this);
  }

  hostUpdated(): void {
    const on = this.__active();
    if (on && !this.__timer) this.__timer = setInterval(() => this.__host.requestUpdate(), 1000);
    else if (!on) this.__stop();
  }

  hostDisconnected(): void {
    this.__stop();
  }

  private __stop() {
    clearInterval(this.__timer);
    this.__timer = undefined;
  }
}
