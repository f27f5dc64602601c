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
  maxLength?: number;
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

export interface QrCode {
  /** Opaque: encode it as a QR, never parse it. */
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
    | { status: 'authenticated'; redirectUrl?: string; session?: SessionToken }
    | { status: 'denied'; app?: QrApp }
    | { status: 'cancelled'; by: 'phone' | 'client' | 'server' }
    | { status: 'expired' }
    | { status: 'locked'; retryAfter?: number }
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
  pollInterval?: number;
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
  override name = 'ProtocolError';
}

type Obj = Record<string, unknown>;

const fail = (what: string): never => {
  throw new ProtocolError(`unexpected ${what}`);
};
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown, what: string): Obj => (isObj(v) ? v : fail(what));
const str = (o: Obj, k: string): string => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : fail(k));
const optStr = (o: Obj, k: string): string | undefined => (o[k] == null ? undefined : str(o, k));
const num = (o: Obj, k: string): number =>
  typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : fail(k);
const optNum = (o: Obj, k: string): number | undefined => (o[k] == null ? undefined : num(o, k));
const oneOf = <T extends string>(o: Obj, k: string, allowed: readonly T[]): T =>
  allowed.includes(o[k] as T) ? (o[k] as T) : fail(k);
const list = <T>(o: Obj, k: string, item: (v: unknown) => T): T[] => {
  const v = o[k];
  return Array.isArray(v) ? v.map(item) : fail(k);
};
/** Keeps the known members of a list of names, so a newer server's additions are ignored, not fatal. */
const known = <T extends string>(o: Obj, k: string, allowed: readonly T[]): T[] =>
  list(o, k, (v) => v).filter((v): v is T => allowed.includes(v as T));

const APPS: readonly QrApp[] = ['etax', 'iit'];
const FACE: readonly FaceMethod[] = ['face_iit', 'face_etax'];
const METHODS: readonly StepUpMethod[] = [...FACE, 'sms'];
const TRANSPORTS: readonly TransportName[] = ['poll', 'long-poll', 'sse', 'websocket'];

const text = (v: unknown): LocalizedText | undefined => {
  if (v == null) return undefined;
  const o = obj(v, 'label');
  for (const k in o) if (typeof o[k] !== 'string') fail('label');
  return o as LocalizedText;
};

const qrCode = (v: unknown): QrCode => {
  const o = obj(v, 'qr');
  return {
    payload: str(o, 'payload'),
    expiresIn: num(o, 'expiresIn'),
    matchCode: optStr(o, 'matchCode'),
    apps: o.apps == null ? undefined : known(o, 'apps', APPS),
  };
};

const identity = (v: unknown): Identity => {
  const o = obj(v, 'identity');
  return {
    id: str(o, 'id'),
    name: str(o, 'name'),
    role: optStr(o, 'role'),
    roleLabel: text(o.roleLabel),
    taxpayerId: optStr(o, 'taxpayerId'),
  };
};

export function parseFlowState(v: unknown): FlowState {
  const o = obj(v, 'state');
  const seq = num(o, 'seq');
  const status = o.status;
  switch (status) {
    case 'qr_waiting':
      return { seq, status, qr: qrCode(o.qr) };
    case 'qr_scanned':
      return { seq, status, qr: qrCode(o.qr), app: oneOf(o, 'app', APPS) };
    case 'step_up_required':
      return { seq, status, methods: known(o, 'methods', METHODS), maskedPhone: optStr(o, 'maskedPhone') };
    case 'face_waiting':
      return { seq, status, method: oneOf(o, 'method', FACE), qr: qrCode(o.qr) };
    case 'face_scanned':
      return { seq, status, method: oneOf(o, 'method', FACE), qr: qrCode(o.qr), app: oneOf(o, 'app', APPS) };
    case 'face_verifying':
      return { seq, status, method: oneOf(o, 'method', FACE) };
    case 'face_failed':
      return {
        seq,
        status,
        method: oneOf(o, 'method', FACE),
        attemptsLeft: num(o, 'attemptsLeft'),
        methods: known(o, 'methods', METHODS),
      };
    case 'identity_required': {
      const identities = list(o, 'identities', identity);
      if (!identities.length) fail('identities');
      return { seq, status, reason: oneOf(o, 'reason', ['capacity', 'client'] as const), identities };
    }
    case 'authenticated': {
      const s = o.session == null ? undefined : obj(o.session, 'session');
      return {
        seq,
        status,
        redirectUrl: optStr(o, 'redirectUrl'),
        session: s && { token: str(s, 'token'), tokenType: str(s, 'tokenType'), expiresIn: optNum(s, 'expiresIn') },
      };
    }
    case 'denied':
      return { seq, status, app: o.app == null ? undefined : oneOf(o, 'app', APPS) };
    case 'cancelled':
      return { seq, status, by: oneOf(o, 'by', ['phone', 'client', 'server'] as const) };
    case 'expired':
      return { seq, status };
    case 'locked':
      return { seq, status, retryAfter: optNum(o, 'retryAfter') };
    default:
      return fail(`status ${String(status)}`);
  }
}

export function parseFlowCreated(v: unknown): FlowCreated {
  const o = obj(v, 'flow');
  return {
    flowId: str(o, 'flowId'),
    flowToken: str(o, 'flowToken'),
    expiresIn: num(o, 'expiresIn'),
    pollInterval: optNum(o, 'pollInterval'),
    state: parseFlowState(o.state),
  };
}

export function parseSmsSent(v: unknown): SmsSent {
  const o = obj(v, 'sms');
  return {
    maskedPhone: str(o, 'maskedPhone'),
    codeLength: num(o, 'codeLength'),
    resendAfter: num(o, 'resendAfter'),
    expiresIn: num(o, 'expiresIn'),
  };
}

const field = (v: unknown): FieldSpec => {
  const o = obj(v, 'field');
  return {
    name: str(o, 'name'),
    kind: ['taxpayer-id', 'account'].includes(o.kind as string) ? (o.kind as FieldKind) : 'text',
    required: o.required !== false,
    label: text(o.label),
    maxLength: optNum(o, 'maxLength'),
  };
};

export function parseCapabilities(v: unknown): Capabilities {
  const o = obj(v, 'capabilities');
  if (o.protocol !== PROTOCOL) fail('protocol');
  const version = num(o, 'version');
  if (version !== PROTOCOL_VERSION) throw new ProtocolError(`unsupported protocol version ${version}`);
  const transports = known(o, 'transports', TRANSPORTS);
  if (!transports.includes('poll')) transports.unshift('poll');
  const stepUp = obj(o.stepUp, 'stepUp');
  const sms = obj(o.sms, 'sms');
  const qr = obj(o.qr, 'qr');
  return {
    protocol: PROTOCOL,
    version,
    transports,
    pollInterval: num(o, 'pollInterval'),
    longPollWait: optNum(o, 'longPollWait'),
    heartbeat: optNum(o, 'heartbeat'),
    entries: list(o, 'entries', (e) => {
      const eo = obj(e, 'entry');
      return { id: str(eo, 'id'), fields: list(eo, 'fields', field), label: text(eo.label) };
    }),
    stepUp: { methods: known(stepUp, 'methods', METHODS) },
    sms: { codeLength: num(sms, 'codeLength') },
    qr: { apps: known(qr, 'apps', APPS) },
    encryption: o.encryption == null ? undefined : (obj(o.encryption, 'encryption') as Capabilities['encryption']),
  };
}

/** Reads a server error body; anything else yields undefined. */
export function parseErrorBody(v: unknown): ErrorBody['error'] | undefined {
  if (!isObj(v) || !isObj(v.error)) return undefined;
  const e = v.error;
  if (typeof e.code !== 'string' || !e.code) return undefined;
  return {
    code: e.code,
    message: typeof e.message === 'string' ? e.message : '',
    retryAfter: typeof e.retryAfter === 'number' && e.retryAfter >= 0 ? e.retryAfter : undefined,
    attemptsLeft: typeof e.attemptsLeft === 'number' && e.attemptsLeft >= 0 ? e.attemptsLeft : undefined,
    field: typeof e.field === 'string' ? e.field : undefined,
  };
}
