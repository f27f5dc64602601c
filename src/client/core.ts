/**
 * What every part of the client shares: the client's own fields, the current
 * flow's fields, the one place where the state changes, and where each kind of
 * state stands in the login.
 */
import type { Emitter } from 'nanoevents';
import type { LoginClientEvents, LoginClientOptions } from './api.js';
import { request, type RequestSpec } from './http.js';
import type { Capabilities, StepUpMethod, TransportName } from './protocol.js';
import type { LoginError, LoginState, LoginStateKind, PasswordAttempt } from './state.js';
import type { Stream } from './transports.js';

export type Mode = 'qr' | 'password';

/**
 * What belongs to the current flow. There is one flow at a time, and each is a new
 * object: whatever a flow left running (a timer, an answer on its way) checks
 * `core.flow === flow` before it touches the state.
 */
export interface Flow {
  id: string;
  /** The flow's secret for its requests (not the QR payload). */
  token: string;
  mode: Mode;
  /** Sequence number of the last applied state. */
  seq: number;
  /** When the flow ends, `performance.now()` ms. */
  expiresAt: number;
  /** The second factors on offer; `step_up_required` and `face_failed` bring them. */
  methods: StepUpMethod[];
  maskedPhone?: string;
  stream?: Stream;
  /** Ends the flow at its lifetime. */
  lifetime?: ReturnType<typeof setTimeout>;
  /** Watches the lifetime of the QR on screen. */
  qrTimer?: ReturnType<typeof setTimeout>;
  /** Aborted when the flow ends; every request of the flow uses its signal. */
  abort: AbortController;
}

/** The client's fields. */
export interface Core {
  readonly options: LoginClientOptions;
  readonly events: Emitter<LoginClientEvents>;
  /** Aborted by `destroy()`. */
  readonly root: AbortController;
  state: LoginState;
  /** The password form's status, shown beside the QR panel's states. */
  password: PasswordAttempt;
  /** Aborted by cancel(), destroy() or a login completed while the password is on its way. */
  passwordCtrl?: AbortController;
  capabilities?: Capabilities;
  capabilitiesLoad?: Promise<Capabilities>;
  transport?: TransportName;
  flow?: Flow;
  /** Hears of logins completed in other tabs of the site. */
  channel?: BroadcastChannel;
}

/** Where a state stands in the login; which actions are legal follows from it. */
export type Stage = 'signed-out' | 'step-up' | 'identity' | 'ended' | 'over';

export function stageOf(kind: LoginStateKind): Stage {
  switch (kind) {
    // The QR panel's states, with the password form beside them.
    case 'idle':
    case 'qr-loading':
    case 'qr-waiting':
    case 'qr-scanned':
    case 'qr-ended':
    case 'qr-error':
      return 'signed-out';
    // The second factor after the password.
    case 'step-up':
    case 'face-waiting':
    case 'face-scanned':
    case 'face-verifying':
    case 'face-failed':
    case 'sms':
      return 'step-up';
    case 'identity':
      return 'identity';
    // A password flow that ended without login.
    case 'flow-ended':
      return 'ended';
    // Nothing more to do.
    case 'authenticated':
    case 'destroyed':
      return 'over';
    default:
      return unreachable(kind);
  }
}

/** Marks the end of a `switch` that TypeScript checks covers every case. */
export const unreachable = (value: never): never => {
  throw new TypeError(`unexpected ${String(value)}`);
};

/** The one place where the state changes: tells the listeners, and the error listeners of a new error. */
export function set(core: Core, next: LoginState): void {
  const previous = core.state;
  core.state = next;
  core.events.emit('state', next, previous);
  const error = errorOf(next);
  if (error && error !== errorOf(previous)) core.events.emit('error', error);
}

const errorOf = (state: LoginState): LoginError | undefined => ('error' in state ? state.error : undefined);

/** Re-renders a signed-out state with the password form's new status. */
export function setPassword(core: Core, next: PasswordAttempt): void {
  core.password = next;
  const { state } = core;
  if ('password' in state) set(core, { ...state, password: next });
  if (next.status === 'failed') core.events.emit('error', next.error);
}

/** One request, with the server's body encryption when it announced one. */
export const call = (core: Core, spec: RequestSpec): Promise<unknown> =>
  request(core.options, { encryption: core.capabilities?.encryption, ...spec });
