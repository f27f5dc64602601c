/**
 * `etax-login/client/sse`: the optional Server-Sent Events transport.
 *
 * ```js
 * import { sse } from 'etax-login/client/sse';
 * createLoginClient({ baseUrl, sse });
 * ```
 *
 * `GET /v1/flows/{id}/events?token=…&after=N`. The browser resumes with
 * `Last-Event-ID`. Falls back to polling when the stream closes, fails twice
 * in a row, or stays silent past two heartbeats. Uses the client's
 * `EventSource` option when given, else the browser's.
 */
import { urlOf } from './http.js';
import { json, pushed } from './push.js';
import type { StreamFactory } from './transports.js';

export const sse: StreamFactory = (ctx) => {
  const ES = ctx.options.EventSource ?? globalThis.EventSource;
  let errors = 0;
  let source: EventSource | undefined;
  const push = pushed(ctx, () => {
    source?.close();
    source = undefined;
  });
  const alive = () => {
    errors = 0;
    push.alive();
  };

  if (ES) {
    source = new ES(
      urlOf(ctx.options, `${ctx.path}/events?token=${encodeURIComponent(ctx.token)}&after=${ctx.seq()}`),
      { withCredentials: ctx.options.credentials === 'include' },
    );
    source.addEventListener('open', alive);
    source.addEventListener('heartbeat', alive);
    source.addEventListener('state', (event) => {
      alive();
      ctx.deliver(json((event as MessageEvent<string>).data));
    });
    source.addEventListener('error', () => {
      if (source?.readyState === 2 || ++errors >= 2) push.toPoll();
    });
    alive();
  } else push.toPoll();
  return push.stream;
};
