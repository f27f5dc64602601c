/**
 * The audit log (等保 2.0: 安全审计), apart from the request log: one record per
 * login attempt and outcome, and per operator action. `AuditLog` is the plug
 * point; the default writes one JSON line per record to a file (appended) or
 * to standard output. A record names the account, never a password, SMS code,
 * token or QR payload.
 */
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import type { StepUpMethod } from '../../src/client/protocol.js';
import type { AttemptResult, Engine, EngineChange, FlowRecord } from '../../src/engine/index.js';
import type { Limited } from '../../src/wire/handler.js';

/** How an attempt or a flow ended, as the audit log says it. */
export type AuditResult =
  | AttemptResult
  /** The password was right: the second factor comes next. */
  | 'password_ok'
  | 'success'
  | 'face_failed'
  | 'denied'
  | 'cancelled'
  | 'expired'
  | 'sms_locked'
  /** An operator lifted the account's locks. */
  | 'unlocked';

export interface AuditEvent {
  /** `login` for attempts and their outcomes, `unlock` for the operator's command. */
  event: 'login' | 'unlock';
  result: AuditResult;
  /** The account's id; absent when the typed account name is no account's (`typed` then). */
  account?: string;
  /** The account name as typed, when no account has it. */
  typed?: string;
  /** The entry of a password login (`individual`, `enterprise`, `agent`). */
  entry?: string;
  way?: 'qr' | 'password';
  /** The second factor (password logins), or the app's face check. */
  method?: StepUpMethod;
  /** The app that scanned a QR (`etax`, `iit`). */
  app?: string;
  /** Who ended a cancelled flow. */
  by?: string;
  /** This attempt set a lock. */
  locked?: boolean;
  flowId?: string;
  /** The client's address (behind trusted proxies, the forwarded one). */
  address?: string;
  /** Who ran an operator command (the system user). */
  operator?: string;
}

/** A written record: the event, when, and which instance. */
export interface AuditRecord extends AuditEvent {
  time: string;
  instance: string;
}

export interface AuditLog {
  record(event: AuditEvent): void;
  /** Writes what is pending and lets go of the file. */
  close?(): Promise<void>;
}

/** The default instance id: `host:pid`. */
export const defaultInstanceId = (): string => `${hostname()}:${process.pid}`;

/**
 * JSON lines to a file (appended; `-`: standard output). The file is opened at
 * once, so that a path that cannot be written stops the server at start.
 */
export class JsonLinesAudit implements AuditLog {
  private readonly out: WriteStream | NodeJS.WritableStream;

  constructor(
    readonly destination: string,
    private readonly instance = defaultInstanceId(),
  ) {
    this.out =
      destination === '-' ? process.stdout : createWriteStream(destination, { fd: openSync(destination, 'a', 0o600) });
  }

  record(event: AuditEvent): void {
    const line: AuditRecord = { time: new Date().toISOString(), instance: this.instance, ...event };
    this.out.write(`${JSON.stringify(line)}\n`);
  }

  close(): Promise<void> {
    const out = this.out;
    if (out === process.stdout) return Promise.resolve();
    return new Promise((resolve) => (out as WriteStream).end(() => resolve()));
  }
}

/** What a flow record tells of the login, for every record of it. */
function ofFlow(flow: FlowRecord): AuditEvent {
  const phase = flow.phase as { method?: StepUpMethod; app?: string; by?: string };
  return {
    event: 'login',
    result: 'success',
    way: flow.kind,
    flowId: flow.id,
    ...(flow.accountId ? { account: flow.accountId } : {}),
    ...(flow.entry ? { entry: flow.entry } : {}),
    ...((flow.secondFactor ?? phase.method) ? { method: flow.secondFactor ?? phase.method } : {}),
    ...(phase.app ? { app: phase.app } : {}),
    ...(flow.client?.address ? { address: flow.client.address } : {}),
  };
}

/** The audit record of an engine change, or undefined when it is no attempt nor outcome. */
export function auditOf(change: EngineChange): AuditEvent | undefined {
  if (change.type === 'attempt') {
    return {
      event: 'login',
      result: change.result,
      way: change.way,
      ...(change.account ? { account: change.account } : {}),
      ...(change.typed ? { typed: change.typed } : {}),
      ...(change.entry ? { entry: change.entry } : {}),
      ...(change.method ? { method: change.method } : {}),
      ...(change.flowId ? { flowId: change.flowId } : {}),
      ...(change.locked ? { locked: true } : {}),
      ...(change.client?.address ? { address: change.client.address } : {}),
    };
  }
  if (change.type !== 'flow') return undefined;
  const { flow, before } = change;
  const status = flow.phase.status;
  if (before?.phase.status === status) return undefined;
  const base = ofFlow(flow);
  // A QR shown and never scanned is no attempt: its end is not recorded.
  if ((status === 'expired' || status === 'cancelled') && !flow.accountId) return undefined;
  switch (status) {
    case 'step_up_required':
      // Created after a right password; coming back to it (a face QR ran out) is no attempt.
      return before ? undefined : { ...base, result: 'password_ok' };
    case 'authenticated':
      return base;
    case 'face_failed':
      return { ...base, result: 'face_failed' };
    case 'denied':
      return { ...base, result: 'denied' };
    case 'cancelled':
      return { ...base, result: 'cancelled', by: (flow.phase as { by: string }).by };
    case 'expired':
      return { ...base, result: 'expired' };
    case 'locked':
      return { ...base, result: flow.phase.code === 'sms_locked' ? 'sms_locked' : 'locked' };
    default:
      return undefined;
  }
}

/** Records every login attempt and outcome of the engine; returns the unsubscribe. */
export function auditEngine(engine: Engine, audit: AuditLog): () => void {
  return engine.onChange((change) => {
    const event = auditOf(change);
    if (event) audit.record(event);
  });
}

/** The audit record of a login refused by a limit per address (the flows' creation only). */
export function auditLimited(limited: Limited): AuditEvent | undefined {
  const way = limited.path === '/v1/flows/qr' ? 'qr' : limited.path === '/v1/flows/password' ? 'password' : undefined;
  if (!way || limited.method !== 'POST') return undefined;
  return { event: 'login', result: 'rate_limited', way, address: limited.address };
}
