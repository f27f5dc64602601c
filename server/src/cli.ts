/**
 * `etax-login-server`: reads the configuration, starts the Node host over the
 * engine with the in-memory store (or Redis, shared by many instances, with
 * `--redis`), and shuts down gracefully on SIGTERM.
 * `etax-login-server hash-password` hashes a password for the accounts file.
 */
import { Engine, MemoryStore, TokenIssuer, type SessionIssuer, type Store } from '../../src/engine/index.js';
import { DEMO_ACCOUNTS_FILE, hashPassword, loadAccounts } from './accounts.js';
import { createAppApi } from './app-api.js';
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
  const sms = new DevOutbox(log);
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
    // Where Redis is, without the user or password the URL may carry.
    instance: config.instanceId,
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
