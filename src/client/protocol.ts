/**
 * Wire types of the etax-login protocol, version 1, and their runtime checks.
 *
 * `docs/protocol.md` is the prose contract and `docs/openapi.yaml` the
 * machine-readable one; this file is the client's reading of them. Every body
 * the client receives goes through `parse*` below before it touches state:
 * anything that does not match throws a `ProtocolError`, which the client turns
 * into a `malformed_response` error state.
 */

export const PROTOCOL = 'etax-login';
export const PROTOCOL_VERSION = 1;

/** How state changes reach the client. `poll` is always offered. */
export type TransportName = 'poll' | 'long-poll' | 'sse' | 'websocket';
/** The two phone apps that can scan a login or face-recognition QR. */
export type QrApp = 'etax' | 'iit';
/** Face recognition through the IIT app (个人所得税APP) or the e-tax app (电子税务局APP). */
export type FaceMethod = 'face_iit' | 'face_etax';
export type StepUpMethod = FaceMethod | 'sms';
/** Built-in entry ids; a server may announce others with their own labels. */
export type EntryId = 'enterprise' | 'individual' | 'agent' | (string & {});
/** What a field holds, so a UI can pick wording, keyboard and check digits. */
export type FieldKind = 'taxpayer-id' | 'account' | 'text';

export interface LocalizedText {
  'zh-CN'?: string;
  en?: string;
  [lang: string]: string | undefined;
}

export interface FieldSpec {
  /** Key of the value in the password request's `fields` object. */
  name: string;
  kind: FieldKind;
  required: boolean;
  /** Overrides the built-in wording for this field. */
  label?: LocalizedText;
  /** Longest value the server accepts, in characters. */
  maxLength?: number;
  /** Shortest value the server accepts, in characters. */
  minLength?: number;
  /**
   * A regular expression (ECMAScript, `u` flag) that the whole value must match, as
   * in HTML's `pattern` attribute, checked on the value as it is sent.
   */
  pattern?: string;
}

export interface EntrySpec {
  id: EntryId;
  fields: FieldSpec[];
  /** Required for entries other than the three built-in ones. */
  label?: LocalizedText;
}

export interface Capabilities {
  protocol: typeof PROTOCOL;
  version: number;
  transports: TransportName[];
  /** Seconds between polls when the flow does not say otherwise. */
  pollInterval: number;
  /** Longest hold of a long-poll request, seconds. */
  longPollWait?: number;
  /** Seconds between SSE/WebSocket heartbeats. */
  heartbeat?: number;
  entries: EntrySpec[];
  stepUp: { methods: StepUpMethod[] };
  sms: { codeLength: number };
  qr: { apps: QrApp[] };
  /** Present when request bodies must be wrapped (see "Body encryption"). */
  encryption?: { scheme: string; [param: string]: unknown };
}

/**
 * The longest QR payload, in characters of printable ASCII (so as many bytes): the
 * most that still reads reliably at the smallest size the elements draw a QR
 * (protocol §6.2). A longer one is a malformed response.
 */
export const QR_PAYLOAD_MAX = 180;

export interface QrCode {
  /** Opaque: encode it as a QR, never parse it. At most `QR_PAYLOAD_MAX` characters of printable ASCII. */
  payload: string;
  /** Seconds this payload stays valid; a new payload may follow in the same flow. */
  expiresIn: number;
  /** Short code the phone asks the person to compare with the one on the page. */
  matchCode?: string;
  /** Apps that can scan this payload; both when absent. */
  apps?: QrApp[];
}

export interface Identity {
  id: string;
  /** Display name of the enterprise (or client of an agent). */
  name: string;
  /** Capacity in which the person acts: legal_representative, finance_manager, tax_officer, … */
  role?: string;
  roleLabel?: LocalizedText;
  taxpayerId?: string;
}

export interface SessionToken {
  token: string;
  tokenType: string;
  expiresIn?: number;
}

interface Seq {
  /** Strictly increasing within a flow; a state with seq ≤ the last applied one is stale. */
  seq: number;
}

export type FlowState = Seq &
  (
    | { status: 'qr_waiting'; qr: QrCode }
    | { status: 'qr_scanned'; qr: QrCode; app: QrApp }
    | { status: 'step_up_required'; methods: StepUpMethod[]; maskedPhone?: string }
    | { status: 'face_waiting'; method: FaceMethod; qr: QrCode }
    | { status: 'face_scanned'; method: FaceMethod; qr: QrCode; app: QrApp }
    | { status: 'face_verifying'; method: FaceMethod }
    | { status: 'face_failed'; method: FaceMethod; attemptsLeft: number; methods: StepUpMethod[] }
    | { status: 'identity_required'; reason: 'capacity' | 'client'; identities: Identity[] }
    /** `maskedName`, `identity`: who logged in, for the page to say so (masked by the server). */
    | {
        status: 'authenticated';
        redirectUrl?: string;
        session?: SessionToken;
        maskedName?: string;
        identity?: Identity;
      }
    | { status: 'denied'; app?: QrApp }
    | { status: 'cancelled'; by: 'phone' | 'client' | 'server' }
    | { status: 'expired' }
    /** `code`: what locked the flow, as in the 423 answers: `account_locked` (default) or `sms_locked`. */
    | { status: 'locked'; retryAfter?: number; code?: 'account_locked' | 'sms_locked' | (string & {}) }
  );

export type FlowStatus = FlowState['status'];
export type FlowStateOf<S extends FlowStatus> = Extract<FlowState, { status: S }>;

/** 201 body of `POST /v1/flows/qr` and `POST /v1/flows/password`. */
export interface FlowCreated {
  flowId: string;
  /** Secret for this flow's status requests. Not the QR payload. */
  flowToken: string;
  /** Seconds the flow lives. */
  expiresIn: number;
  /** Seconds between polls for this flow, overriding the capabilities'. */
  pollInterval?: number;
  /**
   * How this flow's changes can reach the client, as in the capabilities. With it (and
   * `pollInterval`), the client follows the flow without waiting for the capabilities: the
   * first QR after one round trip.
   */
  transports?: TransportName[];
  /** Longest hold of a long-poll request for this flow, seconds. */
  longPollWait?: number;
  /** Seconds between SSE/WebSocket heartbeats for this flow. */
  heartbeat?: number;
  state: FlowState;
}

/** 200 body of `POST /v1/flows/{flowId}/sms`. */
export interface SmsSent {
  maskedPhone: string;
  codeLength: number;
  /** Seconds before another code may be asked for. */
  resendAfter: number;
  /** Seconds the code stays valid. */
  expiresIn: number;
}

export type ServerErrorCode =
  | 'invalid_request'
  | 'invalid_taxpayer_id'
  | 'invalid_credentials'
  | 'not_registered'
  | 'account_locked'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
  | 'flow_not_found'
  | 'flow_expired'
  | 'invalid_state'
  | 'method_unavailable'
  | 'sms_throttled'
  | 'sms_not_sent'
  | 'sms_code_invalid'
  | 'sms_code_expired'
  | 'sms_locked'
  | 'identity_invalid'
  | 'unsupported_version'
  | 'internal_error'
  | 'unavailable';

/** Body of every non-2xx response. */
export interface ErrorBody {
  error: {
    code: ServerErrorCode | (string & {});
    message: string;
    retryAfter?: number;
    attemptsLeft?: number;
    /** Name of the request field at fault, when one is. */
    field?: string;
  };
}

/**
 * The endpoints, relative to the deployment's base URL (`/api/etax-login` in the
 * examples). Requests about an existing flow carry `Authorization: Bearer <flowToken>`,
 * except the SSE stream (`?token=`, since EventSource cannot send headers) and the
 * WebSocket (token in the first message).
 *
 * | method | path                                | body → success                                   |
 * |--------|-------------------------------------|--------------------------------------------------|
 * | GET    | /v1/capabilities                    | → 200 Capabilities                               |
 * | POST   | /v1/flows/qr                        | {} → 201 FlowCreated (qr_waiting)                |
 * | POST   | /v1/flows/password                  | {entry, fields, password} → 201 FlowCreated      |
 * | GET    | /v1/flows/{id}?after=N[&wait=S]     | → 200 FlowState (long-poll holds ≤ S seconds)    |
 * | GET    | /v1/flows/{id}/events?token=T       | → text/event-stream: `state` (id = seq), `heartbeat` |
 * | GET    | /v1/flows/{id}/ws                   | WebSocket: → {type:auth,token,after}; ← {type:state,state} / {type:heartbeat} |
 * | POST   | /v1/flows/{id}/step-up              | {method: face_iit/face_etax} → 200 FlowState      |
 * | POST   | /v1/flows/{id}/sms                  | {} → 200 SmsSent                                 |
 * | POST   | /v1/flows/{id}/sms/verify           | {code} → 200 FlowState                           |
 * | POST   | /v1/flows/{id}/identity             | {identityId} → 200 FlowState                     |
 * | DELETE | /v1/flows/{id}                      | → 204                                            |
 *
 * Every non-2xx response carries an `ErrorBody`; 423, 429 and 503 also a
 * `Retry-After` header equal to `error.retryAfter`.
 */
export const ERROR_STATUS: Record<ServerErrorCode, number> = {
  invalid_request: 400,
  invalid_taxpayer_id: 400,
  invalid_credentials: 401,
  not_registered: 404,
  account_locked: 423,
  rate_limited: 429,
  unauthorized: 401,
  forbidden: 403,
  flow_not_found: 404,
  flow_expired: 410,
  invalid_state: 409,
  method_unavailable: 400,
  sms_throttled: 429,
  sms_not_sent: 409,
  sms_code_invalid: 400,
  sms_code_expired: 410,
  sms_locked: 423,
  identity_invalid: 400,
  unsupported_version: 400,
  internal_error: 500,
  unavailable: 503,
};

/* ------------------------------------------------------------------ checks */

export class ProtocolError extends Error {
  declare name: 'ProtocolError';
  /** The member that failed its check (`version`, `status`, `qr`, …), when the checks below threw it. */
  readonly member?: string;
  constructor(message: string, member?: string) {
    super(message);
    this.member = member;
  }
}
// On the prototype, not a field: the same `name` for less code.
ProtocolError.prototype.name = 'ProtocolError';

/**
 * A check reads one member: it returns the value (objects read by a schema as a fresh copy) or
 * throws a `ProtocolError` naming the member. The schemas below are built from
 * a handful of them, so every body is read by the same few lines of code.
 */
type Check<T = unknown> = (value: unknown, key: string) => T;
/** The checks of an object's members; `seq` and `status` are read before a flow state's schema. */
type Schema<T> = { [K in keyof T]-?: Check<T[K]> };
type Obj = Record<string, unknown>;

const fail = (key: string): never => {
  throw new ProtocolError(`unexpected ${key}`, key);
};
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const obj: Check<Obj> = (v, k) => (isObj(v) ? v : fail(k));
const str: Check<string> = (v, k) => (typeof v === 'string' && v ? v : fail(k));
/** Counts, lifetimes and intervals: finite and not negative. */
const num: Check<number> = (v, k) => (Number.isFinite(v) && (v as number) >= 0 ? (v as number) : fail(k));
/** Absent (`undefined` or `null`) is fine; present must pass. */
const opt =
  <T>(check: Check<T>): Check<T | undefined> =>
  (v, k) =>
    v == null ? undefined : check(v, k);
const oneOf =
  <T>(...allowed: T[]): Check<T> =>
  (v, k) =>
    allowed.includes(v as T) ? (v as T) : fail(k);
const list =
  <T>(item: Check<T>): Check<T[]> =>
  (v, k) =>
    Array.isArray(v) ? v.map((x) => item(x, k)) : fail(k);
/** Keeps the known members of a list of names, so a newer server's additions are ignored, not fatal. */
const known =
  <T>(...allowed: T[]): Check<T[]> =>
  (v, k) =>
    Array.isArray(v) ? v.filter((x): x is T => allowed.includes(x as T)) : fail(k);
/** An object read member by member; members the schema does not name are dropped, absent ones left out. */
const shape =
  <T>(schema: Schema<T>): Check<T> =>
  (v, k) => {
    const o = obj(v, k);
    const out: Obj = {};
    for (const key in schema) {
      const value = schema[key](o[key], key);
      if (value !== undefined) out[key] = value;
    }
    return out as T;
  };

const app = oneOf<QrApp>('etax', 'iit');
const method = oneOf<FaceMethod>('face_iit', 'face_etax');
const methods = known<StepUpMethod>('face_iit', 'face_etax', 'sms');
const text: Check<LocalizedText | undefined> = opt((v, k) => {
  const o = obj(v, k);
  for (const lang in o) if (typeof o[lang] !== 'string') fail(k);
  return o as LocalizedText;
});
const qr = shape<QrCode>({
  payload: (v, k) => (str(v, k).length > QR_PAYLOAD_MAX ? fail(k) : (v as string)),
  expiresIn: num,
  matchCode: opt(str),
  apps: opt(known<QrApp>('etax', 'iit')),
});
const identity = shape<Identity>({ id: str, name: str, role: opt(str), roleLabel: text, taxpayerId: opt(str) });
/** A choice needs something to choose from. */
const identities: Check<Identity[]> = (v, k) => {
  const all = list(identity)(v, k);
  return all.length ? all : fail(k);
};

/** The members of each flow state, by status; an unknown status is a malformed body. */
const FLOW_STATES: { [S in FlowStatus]: Schema<Omit<FlowStateOf<S>, 'seq' | 'status'>> } = {
  qr_waiting: { qr },
  qr_scanned: { qr, app },
  step_up_required: { methods, maskedPhone: opt(str) },
  face_waiting: { method, qr },
  face_scanned: { method, qr, app },
  face_verifying: { method },
  face_failed: { method, attemptsLeft: num, methods },
  identity_required: { reason: oneOf('capacity', 'client'), identities },
  authenticated: {
    redirectUrl: opt(str),
    session: opt(shape<SessionToken>({ token: str, tokenType: str, expiresIn: opt(num) })),
    maskedName: opt(str),
    identity: opt(identity),
  },
  denied: { app: opt(app) },
  cancelled: { by: oneOf('phone', 'client', 'server') },
  expired: {},
  locked: { retryAfter: opt(num), code: opt(str) },
};

const flowState: Check<FlowState> = (v, k) => {
  const o = obj(v, k);
  const status = o.status as FlowStatus;
  // Own keys only, so that a status such as "constructor" is unknown too.
  if (!Object.keys(FLOW_STATES).includes(status)) fail('status');
  return { seq: num(o.seq, 'seq'), status, ...shape(FLOW_STATES[status] as Schema<Obj>)(o, k) } as FlowState;
};

export const parseFlowState = (v: unknown): FlowState => flowState(v, 'state');

/** The transports a server offers; `poll` always is, listed or not. */
const transports: Check<TransportName[]> = (v, k) => {
  const names = known<TransportName>('poll', 'long-poll', 'sse', 'websocket')(v, k);
  if (!names.includes('poll')) names.unshift('poll');
  return names;
};

export const parseFlowCreated = (v: unknown): FlowCreated =>
  shape<FlowCreated>({
    flowId: str,
    flowToken: str,
    expiresIn: num,
    pollInterval: opt(num),
    transports: opt(transports),
    longPollWait: opt(num),
    heartbeat: opt(num),
    state: flowState,
  })(v, 'flow');

export const parseSmsSent = (v: unknown): SmsSent =>
  shape<SmsSent>({ maskedPhone: str, codeLength: num, resendAfter: num, expiresIn: num })(v, 'sms');

const field = shape<FieldSpec>({
  name: str,
  // An unknown kind is shown as plain text.
  kind: (v) => (v === 'taxpayer-id' || v === 'account' ? v : 'text'),
  required: (v) => v !== false,
  label: text,
  maxLength: opt(num),
  minLength: opt(num),
  pattern: opt(str),
});

/**
 * Reads the capabilities. A server of another protocol version fails on
 * `version` (checked before everything but `protocol`), which the client
 * reports as `unsupported_protocol`.
 */
export const parseCapabilities = (v: unknown): Capabilities =>
  shape<Capabilities>({
    protocol: oneOf(PROTOCOL),
    version: oneOf(PROTOCOL_VERSION),
    transports,
    pollInterval: num,
    longPollWait: opt(num),
    heartbeat: opt(num),
    entries: list(shape<EntrySpec>({ id: str, fields: list(field), label: text })),
    stepUp: shape({ methods }),
    sms: shape({ codeLength: num }),
    qr: shape({ apps: known<QrApp>('etax', 'iit') }),
    encryption: opt(obj as Check<Capabilities['encryption']>),
  })(v, 'capabilities');

/** Reads a server error body; anything else yields undefined. */
export function parseErrorBody(v: unknown): ErrorBody['error'] | undefined {
  // Lenient but for `code`: a member of the wrong type is left out.
  const lax =
    <T>(check: Check<T>): Check<T | undefined> =>
    (v, k) => {
      try {
        return check(v, k);
      } catch {
        return undefined;
      }
    };
  try {
    return shape<ErrorBody['error']>({
      code: str,
      message: (v) => (typeof v === 'string' ? v : ''),
      retryAfter: lax(num),
      attemptsLeft: lax(num),
      field: lax(str),
    })(obj(v, 'body').error, 'error');
  } catch {
    return undefined;
  }
}
