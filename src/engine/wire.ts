/**
 * What every host reads off a request the same way: the `after` and `wait`
 * of a status request, and where a stream resumes (§5.3, §13.3, §13.4).
 */
import { EngineError } from './errors.js';

/** `after` of a status request: absent or empty is -1; anything but an integer ≥ -1 is `400` with `field`. */
export function readAfter(value: string | null | undefined, field = 'after'): number {
  if (value === null || value === undefined || value === '') return -1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < -1) throw new EngineError('invalid_request', { field });
  return n;
}

/** `wait` of a long-poll, seconds: absent is 0; anything but a finite number ≥ 0 is `400`. */
export function readWait(value: string | null | undefined): number {
  if (value === null || value === undefined || value === '') return 0;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new EngineError('invalid_request', { field: 'wait' });
  return n;
}

/**
 * Where an SSE stream resumes: after `Last-Event-ID` when it is a non-negative
 * integer, else after the query's `after` (which must be well-formed), else -1.
 * A malformed `Last-Event-ID` is ignored, never an error (§13.3).
 */
export function resumeAfter(lastEventId: string | null | undefined, after: string | null | undefined): number {
  if (lastEventId && /^\d+$/.test(lastEventId.trim())) return Number(lastEventId.trim());
  return readAfter(after);
}

/** `after` of a WebSocket `auth` message: an integer ≥ -1, else -1 (§13.4). */
export const socketAfter = (value: unknown): number =>
  typeof value === 'number' && Number.isInteger(value) && value >= -1 ? value : -1;
