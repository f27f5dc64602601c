/**
 * The client's errors: what it throws at a caller, how anything that went wrong
 * becomes a `LoginError`, and which errors end a flow.
 */
import { loginError } from './http.js';
import { ProtocolError } from './protocol.js';
import type { Core } from './core.js';
import type { LoginError } from './state.js';

/** Thrown, synchronously, by an action called in a state where it has no meaning. */
export class IllegalActionError extends Error {
  declare name: 'IllegalActionError';
}
IllegalActionError.prototype.name = 'IllegalActionError';

/** The error for `action()` called where it is not allowed. */
export const illegal = (core: Core, action: string, why = `in state "${core.state.kind}"`): IllegalActionError =>
  new IllegalActionError(`${action}() is not allowed ${why}`);

/**
 * How a flow ends after an action's answer with this code; the others leave the flow going, the
 * error shown in its step (a malformed answer too: the person tries the step again). A stream
 * that fails ends the flow whatever the code (`error` when not listed).
 */
export const FLOW_OVER: Partial<Record<string, 'expired' | 'locked' | 'error'>> = {
  flow_expired: 'expired',
  flow_not_found: 'expired',
  unauthorized: 'error',
  account_locked: 'locked',
  sms_locked: 'locked',
};

/** A `LoginError` is a plain object with a string `code` (a `DOMException`'s is a number). */
const isLoginError = (e: unknown): e is LoginError => typeof (e as LoginError | undefined)?.code === 'string';

/**
 * A `LoginError` as it is (the server's, or one the requests made); a body that failed its checks
 * (a `ProtocolError`) is `malformed_response`, or `unsupported_protocol` when what failed is the
 * capabilities' `version`; anything else is a fault of the client itself (`client_error`), never
 * blamed on the server.
 */
export const asError = (e: unknown): LoginError =>
  isLoginError(e)
    ? e
    : e instanceof ProtocolError
      ? loginError(e.member === 'version' ? 'unsupported_protocol' : 'malformed_response', e.message)
      : loginError('client_error', String(e));

/**
 * The server asked for a wait (`Retry-After`) that reaches past the end of the flow: nothing can
 * come of waiting, so the flow ends at once, saying the service is busy.
 */
export const busy = (error: LoginError): LoginError => ({
  ...error,
  code: 'busy',
  message: `${error.code}: ${error.message}`,
});
