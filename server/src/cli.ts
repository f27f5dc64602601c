/**
 * `etax-login-server`: reads the configuration, starts the Node host over the
 * engine with the in-memory store (or Redis, shared by many instances, with
 * `--redis`), and shuts down gracefully on SIGTERM.
 * `etax-login-server hash-password` hashes a password for the accounts file;
 * `etax-login-server unlock --account ID` lifts an account's locks in the
 * shared store and says so in the audit log.
 */
import { userInfo } from 'node:os';
import { Engine, MemoryStore, TokenIssuer, type SessionIssuer, type Store } from '../../src/engine/index.js';
import { DEMO_ACCOUNTS_FILE, hashPassword, loadAccounts } from './accounts.js';
import { createAppApi } from './app-api.js';
import { JsonLinesAudit } from './audit.js';
import { ConfigError, helpText, readConfig } from './config.js';
import { startHost } from './host.js';
import { DevOutbox } from './outbox.js';
import { RedisStore } from './redis-store.js';
import { CookieSessions, sessionKeyFrom } from './sessions.js';

const log = (line: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${helpText()}\n`);
    return 0;
  }
  if (argv[0] === 'hash-password') {
    let input = '';
    for await (const chunk of process.stdin) input += String(chunk);
    const password = input.replace(/\r?\n$/, '');
    if (!password) {
      process.stderr.write('hash-password: give the password on standard input\n');
      return 2;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  }

  const unlock = argv[0] === 'unlock';
  let accountId: string | undefined;
  if (unlock) {
    argv = argv.slice(1);
    const at = argv.findIndex((a) => a === '--account' || a.startsWith('--account='));
    if (at >= 0) {
      const [arg, inline] = argv[at].split(/=(.*)/s, 2);
      accountId = inline ?? argv[at + 1];
      argv = [...argv.slice(0, at), ...argv.slice(at + (arg === argv[at] && inline === undefined ? 2 : 1))];
    }
    if (!accountId) {
      process.stderr.write('etax-login-server unlock: name the account, --account ID\n');
      return 2;
    }
  }

  let config;
  try {
    config = await readConfig(argv, process.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`etax-login-server: ${e.message}\n`);
    return 2;
  }
  let accounts;
  try {
    accounts = await loadAccounts(config.accounts ?? DEMO_ACCOUNTS_FILE);
  } catch (e) {
    process.stderr.write(`etax-login-server: ${(e as Error).message}\n`);
    return 2;
  }
  if (unlock && !config.redis) {
    process.stderr.write(
      'etax-login-server unlock: locks are kept in the shared store, and with the memory store each server process ' +
        "holds its own, out of reach of this command: give the servers' --redis (or ETAX_REDIS_URL)\n",
    );
    return 2;
  }
  let audit: JsonLinesAudit;
  try {
    audit = new JsonLinesAudit(config.auditLog, config.instanceId);
  } catch (e) {
    process.stderr.write(`etax-login-server: --audit-log: ${(e as Error).message}\n`);
    return 2;
  }
  const redis = config.redis
    ? new RedisStore({
        url: config.redis,
        prefix: config.redisPrefix,
        ...(process.env.ETAX_REDIS_PASSWORD ? { password: process.env.ETAX_REDIS_PASSWORD } : {}),
        log,
      })
    : undefined;
  const store: Store = redis ?? new MemoryStore();
  let sessions: SessionIssuer = new TokenIssuer({
    lifetime: config.sessionLifetime || false,
    ...(config.redirectUrl ? { redirectUrl: config.redirectUrl } : {}),
  });
  let cookies: CookieSessions | undefined;
  if (config.session === 'cookie') {
    let key: Buffer | undefined;
    try {
      key = await sessionKeyFrom(process.env);
    } catch (e) {
      process.stderr.write(`etax-login-server: session key: ${(e as Error).message}\n`);
      return 2;
    }
    if (!key || key.length < 32) {
      process.stderr.write(
        'etax-login-server: --session cookie needs a key of at least 32 bytes, base64, in ETAX_SESSION_KEY or in the file ETAX_SESSION_KEY_FILE names\n',
      );
      return 2;
    }
    sessions = cookies = new CookieSessions({
      store,
      key,
      home: config.homeUrl,
      lifetime: config.sessionLifetime || 1800,
    });
  }
  if (unlock) {
    try {
      const id = accountId!;
      if (!(await accounts.find(id))) {
        process.stderr.write(
          `etax-login-server unlock: no account "${id}" in ${config.accounts ?? 'the demo accounts'}\n`,
        );
        return 2;
      }
      // The command's own connection comes up first (10 s at most), or it says Redis cannot be reached.
      const until = Date.now() + 10_000;
      while (!(await redis!.ready())) {
        if (Date.now() > until) throw new Error(`Redis at ${new URL(config.redis!).host} does not answer`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const engine = new Engine({ accounts, store, clock: redis!.clock, settings: config.settings });
      await engine.unlockAccount(id);
      audit.record({ event: 'unlock', result: 'unlocked', account: id, operator: userInfo().username });
      process.stderr.write(`etax-login-server unlock: account ${id} unlocked\n`);
      return 0;
    } catch (e) {
      process.stderr.write(`etax-login-server unlock: ${(e as Error).message}\n`);
      return 1;
    } finally {
      await audit.close();
      await redis!.close();
    }
  }
  // On Redis with the test outbox, the codes are kept in Redis (sealed with the app secret),
  // so that the app API on any instance shows the codes every instance sent.
  const sms = new DevOutbox(
    log,
    redis && config.testOutbox
      ? {
          store: redis,
          secret: config.appSecrets[0],
          phones: new Set(accounts.data.accounts.flatMap((a) => (a.test && a.phone ? [a.phone] : []))),
        }
      : undefined,
    // In production the code never reaches the log.
    process.env.NODE_ENV !== 'production',
  );
  const engine = new Engine({
    accounts,
    store,
    // With Redis, every instance reads time from Redis's clock, so that they agree on when things end.
    ...(redis ? { clock: redis.clock } : {}),
    sms,
    sessions,
    settings: config.settings,
  });
  // The app API only with a secret: without one, nothing answers at its path.
  const appApi = config.appSecrets.length
    ? createAppApi({
        engine,
        secrets: config.appSecrets,
        basePath: config.appBasePath,
        window: config.appSignatureWindow,
        ...(config.testOutbox ? { testOutbox: sms.testOutbox(accounts) } : {}),
        log,
      })
    : undefined;
  const host = await startHost({
    engine,
    basePath: config.basePath,
    host: config.host,
    port: config.port,
    allowedOrigins: config.allowedOrigins,
    credentials: config.credentials,
    log,
    instance: config.instanceId,
    audit,
    trustProxy: config.trustProxy,
    maxBody: config.maxBody,
    timeouts: {
      headers: config.headersTimeout,
      request: config.requestTimeout,
      keepAlive: config.keepAliveTimeout,
    },
    limits: {
      requests: { limit: config.rateLimitRequests, window: config.rateLimitWindow },
      flows: { limit: config.rateLimitFlows, window: config.rateLimitWindow },
      streams: config.maxStreamsPerAddress,
    },
    // Not ready while Redis does not answer: a load balancer sends the requests elsewhere meanwhile.
    ...(redis ? { ready: () => redis.ready() } : {}),
    ...(appApi ? { appApi: { basePath: config.appBasePath, fetch: (request: Request) => appApi.fetch(request) } } : {}),
    fallback: (request) =>
      cookies && new URL(request.url).pathname === cookies.completePath
        ? cookies.complete(request)
        : new Response('Not found', { status: 404 }),
  });
  // Signals are heard from the moment the server listens, so that a SIGTERM right after start stops it gracefully.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log({ level: 'info', msg: 'shutting down', signal });
      void host
        .close()
        .then(() => redis?.close())
        .then(() => audit.close())
        .then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  log({
    level: 'info',
    msg: 'listening',
    url: host.url,
    basePath: config.basePath,
    accounts: config.accounts ?? 'demo',
    instance: config.instanceId,
    // Where Redis is, without the user or password the URL may carry.
    store: config.redis ? `${new URL(config.redis).protocol}//${new URL(config.redis).host}` : 'memory',
    transports: config.transports,
    appApi: appApi ? config.appBasePath : 'off (no ETAX_APP_SECRET)',
    ...(config.testOutbox ? { testOutbox: 'on: SMS codes of test accounts are readable through the app API' } : {}),
  });
  await stopped;
  log({ level: 'info', msg: 'stopped' });
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
