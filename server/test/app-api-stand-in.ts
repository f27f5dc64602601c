/**
 * The app API of docs/app-api.md, as small as the conformance kit's own tests
 * need it, over the engine's phone methods: signed requests (HMAC, a window,
 * replays refused), scan, confirm, refuse, cancel, face and its result, the
 * flow's app view and the test outbox. It stands in for the server's app API
 * until that is mounted by the host; the kit itself knows only HTTP.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { EngineError, TransitionError, type Engine, type SmsOutbox } from '../../src/engine/index.js';

export interface StandIn {
  basePath: string;
  fetch(request: Request): Promise<Response>;
}

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'Cache-Control': 'no-store' } });
const error = (status: number, code: string) => json({ error: { code, message: code } }, status);

export function appApiStandIn(
  engine: Engine,
  {
    secret,
    outbox,
    phones,
    basePath = '/app-api',
  }: { secret: string; outbox: SmsOutbox; phones: Record<string, string>; basePath?: string },
): StandIn {
  const seen = new Map<string, number>();
  const verify = (request: Request, body: string, path: string): boolean => {
    const ts = request.headers.get('Etax-App-Timestamp') ?? '';
    const sig = request.headers.get('Etax-App-Signature') ?? '';
    if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
    const canonical = ['POST', path, ts, createHash('sha256').update(body).digest('hex')].join('\n');
    const good = Buffer.from(`v1=${createHmac('sha256', secret).update(canonical).digest('hex')}`);
    const given = Buffer.from(sig);
    if (given.length !== good.length || !timingSafeEqual(given, good)) return false;
    if (seen.has(sig)) return false;
    seen.set(sig, Number(ts));
    return true;
  };

  const view = async (flowId: string) => {
    const inspected = await engine.inspect(flowId);
    const s = inspected!.state as unknown as Record<string, unknown>;
    const qr = s.qr as { matchCode?: string } | undefined;
    return {
      flowId,
      kind: inspected!.flow.kind === 'qr' ? 'login' : 'face',
      status: s.status,
      ...(s.status === 'qr_scanned' && qr?.matchCode ? { matchCode: qr.matchCode } : {}),
      page: {},
      ...(s.app ? { app: s.app } : {}),
    };
  };

  return {
    basePath,
    async fetch(request) {
      const url = new URL(request.url);
      const path = `${url.pathname}${url.search}`;
      const body = await request.text();
      if (request.method !== 'POST') return error(400, 'invalid_request');
      if (!verify(request, body, path)) return error(401, 'unauthorized');
      let b: Record<string, unknown>;
      try {
        b = JSON.parse(body) as Record<string, unknown>;
      } catch {
        return error(400, 'invalid_request');
      }
      const account = String(b.account ?? '');
      const route = url.pathname.slice(basePath.length);
      try {
        if (route === '/v1/test/sms-outbox') {
          const phone = phones[account];
          if (!phone) return error(403, 'forbidden');
          return json({ messages: outbox.messages.filter((m) => m.phone === phone) });
        }
        if (route === '/v1/scan') {
          const flowId = await engine.flowOfPayload(String(b.payload));
          if (!flowId) return error(404, 'flow_not_found');
          const inspected = await engine.inspect(flowId);
          if (inspected!.flow.kind === 'password') {
            if (inspected!.flow.accountId !== account) return error(403, 'forbidden');
            await engine.scan(flowId, b.app as 'etax', undefined);
          } else await engine.scan(flowId, b.app as 'etax', account);
          return json({ ...(await view(flowId)), expiresIn: 60 });
        }
        const m = /^\/v1\/flows\/([^/]+)(?:\/(confirm|refuse|cancel|face|face\/result))?$/.exec(route);
        if (!m) return error(404, 'invalid_request');
        const flowId = decodeURIComponent(m[1]);
        const inspected = await engine.inspect(flowId);
        if (!inspected) return error(404, 'flow_not_found');
        if (inspected.flow.accountId !== account) return error(403, 'forbidden');
        switch (m[2]) {
          case 'confirm':
            await engine.confirm(flowId, b.matchCode as string | undefined);
            break;
          case 'refuse':
            await engine.deny(flowId);
            break;
          case 'cancel':
            await engine.end(flowId, 'phone');
            break;
          case 'face':
            await engine.faceVerify(flowId);
            break;
          case 'face/result':
            await (b.passed ? engine.facePass(flowId) : engine.faceFail(flowId));
            break;
        }
        return json(await view(flowId));
      } catch (e) {
        if (e instanceof TransitionError) return error(409, 'invalid_state');
        if (e instanceof EngineError) return error(e.status, e.code);
        throw e;
      }
    },
  };
}
