/**
 * The operator's controls when the demo runs on the demo server (`npm start`):
 * every action of the server panel is a request to the server's development
 * route, and the flows the panel shows come from its event stream. Nothing
 * secret travels: no flow token, no session. (The phone acts through the app
 * API instead: `phone-apps.ts`.)
 */
import type { BackendChange, FlowInfo, MockControl } from '../src/mock/index.js';
import { DEV_PATH, type DemoSnapshot } from './backend-options.js';

/** The controls the demo's server panel uses. */
export type DemoControl = Pick<
  MockControl,
  | 'rotateQr'
  | 'expireQr'
  | 'expireFlow'
  | 'throttle'
  | 'failNext'
  | 'malformNext'
  | 'setLatency'
  | 'lockAccount'
  | 'unlockAccount'
  | 'dropStreams'
  | 'acceptStreams'
  | 'reset'
  | 'flows'
  | 'flow'
  | 'subscribe'
>;

export class RemoteControl implements DemoControl {
  #flows: FlowInfo[] = [];
  readonly #listeners = new Set<(change: BackendChange) => void>();
  readonly #events: EventSource;
  /** Settles once the first snapshot came. */
  readonly ready: Promise<void>;

  constructor(private readonly base = DEV_PATH) {
    this.#events = new EventSource(`${base}/events`);
    this.ready = new Promise((resolve, reject) => {
      this.#events.addEventListener('message', (event: MessageEvent<string>) => {
        const s = JSON.parse(event.data) as DemoSnapshot;
        this.#flows = s.flows;
        resolve();
        if (s.change.type === 'hello') return;
        const change = (s.change.type === 'reset' ? { type: 'reset' } : { type: 'flow', flowId: '' }) as BackendChange;
        for (const l of [...this.#listeners]) l(change);
      });
      this.#events.addEventListener('error', () => reject(new Error('the demo server does not answer')), {
        once: true,
      });
    });
  }

  async #call<T>(action: string, ...args: unknown[]): Promise<T> {
    // `undefined` arguments keep their place as `null`; the server reads them as absent again.
    const response = await fetch(`${this.base}/${action}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(args.map((a) => a ?? null)),
    });
    const answer = (await response.json()) as { result?: T; error?: string };
    if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
    return answer.result as T;
  }

  get flows(): FlowInfo[] {
    return this.#flows;
  }

  flow(flowId?: string): FlowInfo | undefined {
    return flowId
      ? this.#flows.find((f) => f.id === flowId)
      : [...this.#flows].reverse().find((f) => f.live && f.expiresAt > Date.now());
  }

  subscribe(listener: (change: BackendChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  rotateQr: DemoControl['rotateQr'] = (...a) => this.#call('rotateQr', ...a);
  expireQr: DemoControl['expireQr'] = (...a) => this.#call('expireQr', ...a);
  expireFlow: DemoControl['expireFlow'] = (...a) => this.#call('expireFlow', ...a);
  lockAccount: DemoControl['lockAccount'] = (...a) => this.#call('lockAccount', ...a);
  unlockAccount: DemoControl['unlockAccount'] = (...a) => this.#call('unlockAccount', ...a);
  throttle: DemoControl['throttle'] = (...a) => this.#call('throttle', ...a);
  failNext: DemoControl['failNext'] = (...a) => this.#call('failNext', ...a);
  malformNext: DemoControl['malformNext'] = (...a) => this.#call('malformNext', ...a);
  setLatency: DemoControl['setLatency'] = (...a) => this.#call('setLatency', ...a);
  acceptStreams: DemoControl['acceptStreams'] = () => this.#call('acceptStreams');
  reset: DemoControl['reset'] = () => this.#call('reset');
  /** The count of closed connections is not known here: 0. */
  dropStreams: DemoControl['dropStreams'] = (...a) => {
    void this.#call('dropStreams', ...a);
    return 0;
  };
}
