/**
 * `etax-login/client/websocket`: the optional WebSocket transport.
 *
 * ```js
 * import { webSocket } from 'etax-login/client/websocket';
 * createLoginClient({ baseUrl, transport: 'websocket', webSocket });
 * ```
 *
 * Connects to `/v1/flows/{id}/ws`, sends `{type:'auth', token, after}` first
 * (browsers cannot set headers on a WebSocket), then receives
 * `{type:'state', state}` and `{type:'heartbeat'}` messages. Falls back to
 * polling when the socket closes, errors, or stays silent past two heartbeats.
 */
import { urlOf } from './http.js';
import { pollNow, type Stream, type StreamFactory } from './transports.js';

export const webSocket: StreamFactory = (ctx) => {
  let fallback: Stream | undefined;
  let watchdog: ReturnType<typeof setTimeout> | undefined;
  const url = urlOf(ctx.http, `/v1/flows/${encodeURIComponent(ctx.flowId)}/ws`).replace(/^http/, 'ws');
  let socket: WebSocket | undefined = new WebSocket(url);

  const close = () => {
    clearTimeout(watchdog);
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
      socket.close();
    }
    socket = undefined;
  };
  const toPoll = () => {
    close();
    if (!fallback && !ctx.signal.aborted) {
      ctx.using('poll');
      fallback = pollNow(ctx);
    }
  };
  const alive = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(toPoll, ctx.heartbeat * 2 + 5000);
  };

  socket.onopen = () => {
    alive();
    socket?.send(JSON.stringify({ type: 'auth', token: ctx.token, after: ctx.seq() }));
  };
  socket.onmessage = (event: MessageEvent) => {
    alive();
    let message: { type?: unknown; state?: unknown } | undefined;
    try {
      message = JSON.parse(String(event.data));
    } catch {
      message = undefined;
    }
    // Unknown message types are a newer server's additions: ignored, as SSE ignores unknown events.
    if (message?.type === 'state') ctx.deliver(message.state);
    else if (!message || typeof message.type !== 'string') ctx.deliver(undefined);
  };
  socket.onclose = socket.onerror = toPoll;
  alive();

  return {
    stop() {
      close();
      fallback?.stop();
    },
    kick() {
      fallback?.kick();
    },
  };
};
