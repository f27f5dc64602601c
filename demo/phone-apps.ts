/**
 * What the demo's phone acts through: the tax apps and their backend. On the
 * demo server (`npm start`) that is the app API of the reference server
 * (`docs/app-api.md`), reached through the demo server's route that plays the
 * apps' backend and signs each request (`TaxAppBackend`): the secret never
 * reaches this page. In the static build, with the backend in the page, it is
 * the mock's controls (`mockPhoneApps`).
 *
 * The phone reads the QR off the page as a camera would (`ScreenQr`), and
 * sees a flow only as the app API shows it (`AppFlow`): never a token.
 */
import type { FaceMethod, FlowStatus, QrApp } from '../src/client/protocol.js';
import type { FlowInfo, MockControl } from '../src/mock/index.js';
import { TAX_APP_PATH } from './backend-options.js';

/** The QR the page shows now, as the phone's camera reads it. */
export interface ScreenQr {
  payload: string;
  /** Apps that can read it; both when absent. */
  apps?: QrApp[];
  /** A face QR of this method; a login QR when absent. */
  face?: FaceMethod;
}

/** A flow as the app API shows it to the app (`docs/app-api.md` §3). */
export interface AppFlow {
  flowId: string;
  kind: 'login' | 'face';
  status: FlowStatus;
  app?: QrApp;
  method?: FaceMethod;
  matchCode?: string;
  attemptsLeft?: number;
  by?: 'phone' | 'client' | 'server';
  expiresIn?: number;
  page: { origin?: string; browser?: string; place?: string };
}

/** A text message on the phone. */
export interface PhoneSms {
  flowId: string;
  text: string;
  sentAt: number;
}

/** The tax apps, signed in to `account`, acting on a login. */
export interface PhoneApps {
  scan(account: string, app: QrApp, payload: string): Promise<AppFlow>;
  flow(account: string, flowId: string): Promise<AppFlow>;
  confirm(account: string, flowId: string, matchCode?: string): Promise<AppFlow>;
  refuse(account: string, flowId: string): Promise<AppFlow>;
  cancel(account: string, flowId: string): Promise<AppFlow>;
  back(account: string, flowId: string): Promise<AppFlow>;
  faceStart(account: string, flowId: string): Promise<AppFlow>;
  faceResult(account: string, flowId: string, passed: boolean): Promise<AppFlow>;
  /** The demo phone's messages (every demo person's phone is this one), oldest first. */
  inbox(): Promise<PhoneSms[]>;
  /** Calls `listener` when something may have changed; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
}

/**
 * The app API refused an action: its error `code` (`docs/app-api.md`), which the app puts in
 * its own words, and the API's `message`.
 */
export class AppRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message || code);
    this.name = 'AppRefusal';
  }
}

/** How often the phone asks the app API again while a page is open, ms (it has no push). */
const REFRESH = 1000;

/** The app API through the demo server's stand-in for the apps' backend, which signs every request. */
export class TaxAppBackend implements PhoneApps {
  constructor(private readonly base = TAX_APP_PATH) {}

  async #call<T = AppFlow>(path: string, body: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${this.base}/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as T & { error?: { code?: string; message?: string } };
    if (!response.ok) {
      throw new AppRefusal(answer.error?.code ?? `http_${response.status}`, answer.error?.message ?? '');
    }
    return answer;
  }

  #flow = (flowId: string, action = '') => `flows/${encodeURIComponent(flowId)}${action}`;

  scan = (account: string, app: QrApp, payload: string) => this.#call('scan', { account, app, payload });
  flow = (account: string, flowId: string) => this.#call(this.#flow(flowId), { account });
  confirm = (account: string, flowId: string, matchCode?: string) =>
    this.#call(this.#flow(flowId, '/confirm'), { account, ...(matchCode ? { matchCode } : {}) });
  refuse = (account: string, flowId: string) => this.#call(this.#flow(flowId, '/refuse'), { account });
  cancel = (account: string, flowId: string) => this.#call(this.#flow(flowId, '/cancel'), { account });
  back = (account: string, flowId: string) => this.#call(this.#flow(flowId, '/back'), { account });
  faceStart = (account: string, flowId: string) => this.#call(this.#flow(flowId, '/face'), { account });
  faceResult = (account: string, flowId: string, passed: boolean) =>
    this.#call(this.#flow(flowId, '/face/result'), { account, passed });
  inbox = async () => (await this.#call<{ messages: PhoneSms[] }>('inbox', {})).messages;

  subscribe(listener: () => void): () => void {
    const timer = setInterval(listener, REFRESH);
    return () => clearInterval(timer);
  }
}

/** The app view of a mock flow, as the app API would answer it (the in-page host records no page). */
function viewOf(f: FlowInfo): AppFlow {
  const s = f.state;
  return {
    flowId: f.id,
    kind: f.kind === 'qr' ? 'login' : 'face',
    status: s.status,
    ...('app' in s && s.app ? { app: s.app } : {}),
    ...('method' in s ? { method: s.method } : {}),
    ...(s.status === 'qr_scanned' && s.qr.matchCode ? { matchCode: s.qr.matchCode } : {}),
    ...(s.status === 'face_failed' ? { attemptsLeft: s.methods.includes(s.method) ? s.attemptsLeft : 0 } : {}),
    ...(s.status === 'cancelled' ? { by: s.by } : {}),
    page: {},
  };
}

/** The phone over the mock backend's controls (the static build: the backend runs in this page). */
export function mockPhoneApps(control: MockControl): PhoneApps {
  const flowOf = (payload: string) => {
    const found = control.flows.find((f) => 'qr' in f.state && f.live && f.state.qr.payload === payload);
    if (!found) throw new Error(`no flow shows this QR`);
    return found;
  };
  const view = (flowId: string) => viewOf(control.flow(flowId)!);
  const then = (flowId: string, action: Promise<unknown>) => action.then(() => view(flowId));
  return {
    async scan(account, app, payload) {
      const f = flowOf(payload);
      return then(f.id, control.scan(app, f.kind === 'qr' ? { flowId: f.id, account } : f.id));
    },
    flow: async (_account, flowId) => view(flowId),
    confirm: (_account, flowId, matchCode) => then(flowId, control.confirm({ flowId, matchCode })),
    refuse: (_account, flowId) => then(flowId, control.deny(flowId)),
    cancel: (_account, flowId) => then(flowId, control.cancel(flowId)),
    back: (_account, flowId) => then(flowId, control.unscan(flowId)),
    faceStart: (_account, flowId) => then(flowId, control.faceVerify(flowId)),
    faceResult: (_account, flowId, passed) =>
      then(flowId, passed ? control.facePass(flowId) : control.faceFail(flowId)),
    inbox: async () => control.smsCodes.map(({ flowId, text, sentAt }) => ({ flowId, text, sentAt })),
    subscribe: (listener) => control.subscribe((change) => change.type !== 'request' && listener()),
  };
}
