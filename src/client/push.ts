/**
 * What the push transports (`etax-login/client/sse`, `etax-login/client/websocket`)
 * share. Not part of the `etax-login/client` entry: the core only polls.
 */
import { pollNow, type Stream, type StreamContext } from './transports.js';

/**
 * A watchdog that expects a message or heartbeat within two heartbeats + 5 s
 * (a proxy may hold a dead connection open), and one fallback to polling when
 * the push goes quiet or fails. `close` shuts the transport's own connection.
 */
export const pushed = (ctx: StreamContext, close: () => void) => {
  let fallback: Stream | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const shut = () => {
    clearTimeout(watchdog);
    close();
  };
  const toPoll = () => {
    shut();
    if (!fallback && !ctx.signal.aborted) {
      ctx.using('poll');
      fallback = pollNow(ctx);
    }
  };
  const stream: Stream = {
    stop() {
      shut();
      fallback?.stop();
    },
    kick() {
      fallback?.kick();
    },
  };
  return {
    toPoll,
    stream,
    /** Something arrived: the connection lives. */
    alive() {
      clearTimeout(watchdog);
      watchdog = setTimeout(toPoll, ctx.heartbeat * 2 + 5000);
    },
  };
};

/** JSON text as a value; anything else as `undefined`, which fails the checks like any malformed state. */
export const json = (text: unknown): unknown => {
  try {
    return JSON.parse(String(text));
  } catch {
    return undefined;
  }
};
