/**
 * The reference server as the conformance kit's tests run it: the Node host
 * over the engine with the demo accounts (scrypt hashes, as `npm run server`),
 * short lifetimes so that every lifetime check runs, the app API with its
 * test outbox, logs to a collector. `around` (the page API) and `appAround`
 * (the app API) let a test inject a fault.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Engine, MemoryStore, type EngineSettingsInput } from '../../src/engine/index.js';
import { directoryOf } from '../src/accounts.js';
import { createAppApi } from '../src/app-api.js';
import { parseTarget } from '../src/conformance/target.js';
import { startHost, type HostOptions } from '../src/host.js';
import { DevOutbox } from '../src/outbox.js';

export const BASE = '/api/etax-login';
export const ALLOWED_ORIGIN = 'https://portal.example.gov.cn';
export const APP_SECRET = 'conformance-test-secret-0123456789abcdef';

/** Lifetimes short enough for every lifetime check to run within a few seconds. */
export const SHORT: EngineSettingsInput = {
  qrLifetime: 3,
  flowLifetime: 8,
  heartbeat: 1,
  longPollWait: 5,
  lockSeconds: 30,
  sms: { resendAfter: 30, dailyLimit: 1000 },
};

/** Limits per client address in a short window, so that a `Retry-After` stays short. */
export const LIMITS = { requests: { limit: 600, window: 10 }, flows: { limit: 60, window: 10 } };

/** The kit's target for the demo accounts (server/conformance-target.json). */
export const TARGET_FILE = fileURLToPath(new URL('../conformance-target.json', import.meta.url));
/** The reference server's settings for a kit run, as CI starts it (`--config`). */
export const SERVER_CONFIG_FILE = fileURLToPath(new URL('../conformance-server.json', import.meta.url));
const targetFile = await readFile(TARGET_FILE, 'utf8');

const demoAccounts = JSON.parse(await readFile(new URL('../demo-accounts.json', import.meta.url), 'utf8')) as {
  accounts: { id: string; phone?: string }[];
};

export async function startReference(
  settings: EngineSettingsInput = SHORT,
  options: Partial<HostOptions> = {},
  /** Wraps the app API (a fault of the phone's side). */
  appAround?: NonNullable<HostOptions['around']>,
  /** The engine's class: a subclass injects a fault below the wire (the streams' states). */
  EngineClass: typeof Engine = Engine,
) {
  const lines: Record<string, unknown>[] = [];
  const log = (l: Record<string, unknown>) => lines.push(l);
  const accounts = directoryOf(demoAccounts, 'demo accounts');
  const outbox = new DevOutbox(log);
  const engine = new EngineClass({ accounts, store: new MemoryStore(), sms: outbox, settings });
  const app = createAppApi({ engine, secrets: [APP_SECRET], testOutbox: outbox.testOutbox(accounts), log });
  const host = await startHost({
    engine,
    basePath: BASE,
    allowedOrigins: [ALLOWED_ORIGIN],
    log,
    // The limits per address as the server command sets them, in a window of 10 s (CI's).
    limits: LIMITS,
    appApi: {
      basePath: '/app-api',
      fetch: (request) => (appAround ? appAround(request, async (r) => app.fetch(r)) : app.fetch(request)),
    },
    ...options,
  });
  // The target file CI gives the kit, its app API's secret here instead of the environment.
  const target = parseTarget(targetFile, { ETAX_APP_SECRET: APP_SECRET });
  return { host, engine, outbox, lines, target, baseUrl: `${host.url}${BASE}` };
}
