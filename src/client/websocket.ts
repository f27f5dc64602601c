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
import { json, pushed } from './push.js';
import type { StreamFactory } from './transports.js';

export const webSocket: StreamFactory = (ctx) => {
  const url = urlOf(ctx.options, `${ctx.path}/ws`).replace(/^http/, 'ws');
  const socket = new WebSocket(url);
  const push = pushed(ctx, () => {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    socket.close();
  });

  socket.onopen = () => {
    push.alive();
    socket.send(JSON.stringify({ type: 'auth', token: ctx.token, after: ctx.seq() }));
  };
  socket.onmessage = (event: MessageEvent) => {
    push.alive();
    const message = json(event.data) as { type?: unknown; state?: unknown } | undefined;
    // Unknown message types are a newer server's additions: ignored, as SSE ignores unknown events.
    if (message?.type === 'state') ctx.deliver(message.state);
    else if (typeof message?.type !== 'string') ctx.deliver(undefined);
  };
  socket.onclose = socket.onerror = push.toPoll;
  push.alive();
  return push.stream;
};
