/**
 * Re-renders its element once a second while `active()` says a countdown is
 * shown; runs no timer otherwise, and none once the element is removed.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class Ticker implements ReactiveController {
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly active: () => boolean,
  ) {
    host.addController(this);
  }

  hostUpdated(): void {
    const on = this.active();
    if (on && !this.timer) this.timer = setInterval(() => this.host.requestUpdate(), 1000);
    else if (!on) this.stop();
  }

  hostDisconnected(): void {
    this.stop();
  }

  private stop() {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
