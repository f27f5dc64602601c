/**
 * The reference server as the conformance kit's tests run it: the Node host
 * over the engine with the demo accounts (scrypt hashes, as `npm run server`),
 * short lifetimes so that every lifetime check runs, the app API's test
 * outbox, logs to a collector. `around` lets a test inject a fault.
 */
import { readFile } from 'node:fs/promises';
import { Engine, MemoryStore, SmsOutbox, type EngineSettingsInput } from '../../src/engine/index.js';
import { directoryOf } from '../src/accounts.js';
import type { Target } from '../src/conformance/target.js';
import { startHost, type HostOptions } from '../src/host.js';
import { appApiStandIn } from './app-api-stand-in.js';

export const BASE = '/api/etax-login';
export const ALLOWED_ORIGIN = 'https://portal.example.gov.cn';
export const APP_SECRET = 'conformance-test-secret-0123456789abcdef';
const PASSWORD = 'Etax@2024';

/** Lifetimes short enough for every lifetime check to run within a few seconds. */
export const SHORT: EngineSettingsInput = {
  qrLifetime: 3,
  flowLifetime: 8,
  heartbeat: 1,
  longPollWait: 5,
  lockSeconds: 30,
  sms: { resendAfter: 30, dailyLimit: 1000 },
};

const demoAccounts = JSON.parse(await readFile(new URL('../demo-accounts.json', import.meta.url), 'utf8')) as {
  accounts: { id: string; phone?: string }[];
};

export async function startReference(
  settings: EngineSettingsInput = SHORT,
  options: Partial<HostOptions> = {},
  /** Wraps the app API (a fault of the phone's side). */
  appAround?: NonNullable<HostOptions['around']>,
) {
  const outbox = new SmsOutbox();
  const engine = new Engine({
    accounts: directoryOf(demoAccounts, 'demo accounts'),
    store: new MemoryStore(),
    sms: outbox,
    settings,
  });
  const phones = Object.fromEntries(demoAccounts.accounts.filter((a) => a.phone).map((a) => [a.id, a.phone!]));
  const app = appApiStandIn(engine, { secret: APP_SECRET, outbox, phones });
  const lines: Record<string, unknown>[] = [];
  const host = await startHost({
    engine,
    basePath: BASE,
    allowedOrigins: [ALLOWED_ORIGIN],
    log: (l) => lines.push(l),
    fallback: (request) => {
      if (!new URL(request.url).pathname.startsWith(`${app.basePath}/`))
        return new Response('Not found', { status: 404 });
      return appAround ? appAround(request, (r) => app.fetch(r)) : app.fetch(request);
    },
    ...options,
  });
  const target: Target = {
    allowedOrigin: ALLOWED_ORIGIN,
    appApi: { baseUrl: `${host.url}${app.basePath}`, secret: APP_SECRET },
    accounts: [
      {
        label: 'enterprise, one capacity',
        entry: 'enterprise',
        fields: { taxpayerId: '91310110666007217T', account: 'wangxiuying' },
        password: PASSWORD,
        appAccount: 'wangxiuying',
        face: ['face_iit', 'face_etax'],
        sms: true,
        identity: 'none',
      },
      {
        label: 'enterprise, three capacities',
        entry: 'enterprise',
        fields: { taxpayerId: '91310115591693856A', account: 'liqiang' },
        password: PASSWORD,
        appAccount: 'liqiang',
        face: ['face_iit', 'face_etax'],
        sms: true,
        identity: 'capacity',
      },
      {
        label: 'agent',
        entry: 'agent',
        fields: { taxpayerId: '9144030071526726XG', account: 'zhaolei' },
        password: PASSWORD,
        appAccount: 'zhaolei',
        sms: true,
        identity: 'client',
      },
      {
        label: 'individual, lockable',
        entry: 'individual',
        fields: { account: '420106198503155820' },
        password: PASSWORD,
        appAccount: 'liufang',
        face: ['face_iit', 'face_etax'],
        sms: true,
        lockable: true,
      },
    ],
  };
  return { host, engine, outbox, lines, target, baseUrl: `${host.url}${BASE}` };
}
