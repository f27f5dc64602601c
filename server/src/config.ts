/**
 * The server's configuration: one typed object, from defaults, an optional
 * JSON config file, the environment and flags (each overriding the one
 * before), validated at start. `--help` prints this table. Secrets never come
 * from flags: they are read from the environment or a file.
 */
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import proxyAddr from 'proxy-addr';
import type { TransportName } from '../../src/client/protocol.js';
import type { EngineSettingsInput } from '../../src/engine/index.js';
import { MAX_SECRETS, MIN_SECRET_LENGTH } from './app-api.js';

export interface ServerConfig {
  host: string;
  port: number;
  /** Path of the API below the origin. */
  basePath: string;
  /** Origins of pages on other sites allowed to call the API (CORS). */
  allowedOrigins: string[];
  /** Allow cookies on cross-origin requests (`Access-Control-Allow-Credentials`). */
  credentials: boolean;
  /** Accounts file (JSON, scrypt hashes); the demo accounts when absent. */
  accounts?: string;
  transports: TransportName[];
  /** Lifetimes and limits of the engine. */
  settings: EngineSettingsInput;
  /** Seconds a session token lives; `0`: the authenticated state carries no token. */
  sessionLifetime: number;
  /** Where the page goes after login (`redirectUrl` of the authenticated state). */
  redirectUrl?: string;
  /** How completion hands over the session: a bearer token, or a signed cookie set by a completion URL. */
  session: 'token' | 'cookie';
  /** Where the person goes once the session cookie is set. */
  homeUrl: string;
  /** Redis shared by every instance (`redis://` or `rediss://`); absent: the store is this process's memory. */
  redis?: string;
  /** Put before every Redis key and channel. */
  redisPrefix: string;
  /** Path of the app API below the origin (`docs/app-api.md`); mounted only with a secret. */
  appBasePath: string;
  /** Seconds an app API request's timestamp may be off the server's clock. */
  appSignatureWindow: number;
  /** File of app API secrets, one a line (the current one, then the previous one). */
  appSecretFile?: string;
  /**
   * The app API's secrets, read from `ETAX_APP_SECRET` and `ETAX_APP_SECRET_PREVIOUS`
   * or from `appSecretFile`: none (no app API), or the current one and maybe the previous one.
   */
  appSecrets: string[];
  /** Serve the SMS outbox of test accounts through the app API (test deployments only). */
  testOutbox: boolean;
  /** Proxies (addresses, CIDR ranges) whose `X-Forwarded-For` is believed. */
  trustProxy: string[];
  /** Seconds of the fixed window of the limits per client address. */
  rateLimitWindow: number;
  /** Requests of the page API one address may make in a window (0: no limit). */
  rateLimitRequests: number;
  /** Flows (QR and password) one address may create in a window (0: no limit). */
  rateLimitFlows: number;
  /** SSE and WebSocket streams one address may hold open on an instance (0: no limit). */
  maxStreamsPerAddress: number;
  /** Longest request body, bytes. */
  maxBody: number;
  /** Seconds a client has to send its headers, its whole request; an idle kept-alive connection lives. */
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  /** Where the audit log goes: a file (appended), or `-` for standard output. */
  auditLog: string;
  /**
   * This instance's name: in the `Etax-Instance` header of every answer, the start line and
   * the audit log; default `hostname:pid`.
   */
  instanceId: string;
}

interface Option {
  flag: string;
  env: string;
  /** Key in the config file and in `ServerConfig` (dots for engine settings). */
  key: string;
  type: 'string' | 'number' | 'list' | 'boolean';
  help: string;
  default?: string;
}

export const OPTIONS: Option[] = [
  { flag: '--host', env: 'ETAX_HOST', key: 'host', type: 'string', default: '127.0.0.1', help: 'address to listen on' },
  {
    flag: '--port',
    env: 'PORT',
    key: 'port',
    type: 'number',
    default: '8080',
    help: 'port to listen on (0: any free port)',
  },
  {
    flag: '--base-path',
    env: 'ETAX_BASE_PATH',
    key: 'basePath',
    type: 'string',
    default: '/api/etax-login',
    help: 'path of the API',
  },
  {
    flag: '--allowed-origins',
    env: 'ETAX_ALLOWED_ORIGINS',
    key: 'allowedOrigins',
    type: 'list',
    default: '',
    help: 'comma-separated origins of pages on other sites (CORS)',
  },
  {
    flag: '--credentials',
    env: 'ETAX_CREDENTIALS',
    key: 'credentials',
    type: 'boolean',
    default: 'false',
    help: 'allow cookies on cross-origin requests',
  },
  {
    flag: '--accounts',
    env: 'ETAX_ACCOUNTS',
    key: 'accounts',
    type: 'string',
    help: 'accounts file (JSON with scrypt hashes); default: the demo accounts',
  },
  {
    flag: '--transports',
    env: 'ETAX_TRANSPORTS',
    key: 'transports',
    type: 'list',
    default: 'poll,long-poll,sse,websocket',
    help: 'transports offered',
  },
  {
    flag: '--flow-lifetime',
    env: 'ETAX_FLOW_LIFETIME',
    key: 'settings.flowLifetime',
    type: 'number',
    default: '300',
    help: 'seconds a login flow lives',
  },
  {
    flag: '--qr-lifetime',
    env: 'ETAX_QR_LIFETIME',
    key: 'settings.qrLifetime',
    type: 'number',
    default: '60',
    help: 'seconds a QR payload lives before it rotates',
  },
  {
    flag: '--poll-interval',
    env: 'ETAX_POLL_INTERVAL',
    key: 'settings.pollInterval',
    type: 'number',
    default: '2',
    help: 'seconds between polls',
  },
  {
    flag: '--long-poll-wait',
    env: 'ETAX_LONG_POLL_WAIT',
    key: 'settings.longPollWait',
    type: 'number',
    default: '25',
    help: 'longest hold of a long-poll, seconds',
  },
  {
    flag: '--heartbeat',
    env: 'ETAX_HEARTBEAT',
    key: 'settings.heartbeat',
    type: 'number',
    default: '15',
    help: 'seconds between SSE/WebSocket heartbeats',
  },
  {
    flag: '--max-password-attempts',
    env: 'ETAX_MAX_PASSWORD_ATTEMPTS',
    key: 'settings.maxPasswordAttempts',
    type: 'number',
    default: '5',
    help: 'wrong passwords before a lock',
  },
  {
    flag: '--lock-seconds',
    env: 'ETAX_LOCK_SECONDS',
    key: 'settings.lockSeconds',
    type: 'number',
    default: '1800',
    help: 'seconds a lock lasts',
  },
  {
    flag: '--account-rate-limit',
    env: 'ETAX_ACCOUNT_RATE_LIMIT',
    key: 'settings.accountRateLimit.limit',
    type: 'number',
    default: '10',
    help: 'password attempts on one account per --account-rate-window (0: no limit)',
  },
  {
    flag: '--account-rate-window',
    env: 'ETAX_ACCOUNT_RATE_WINDOW',
    key: 'settings.accountRateLimit.window',
    type: 'number',
    default: '900',
    help: 'seconds of the window of --account-rate-limit',
  },
  {
    flag: '--sms-daily-limit',
    env: 'ETAX_SMS_DAILY_LIMIT',
    key: 'settings.sms.dailyLimit',
    type: 'number',
    default: '10',
    help: 'SMS codes one phone receives in 24 hours',
  },
  {
    flag: '--session-lifetime',
    env: 'ETAX_SESSION_LIFETIME',
    key: 'sessionLifetime',
    type: 'number',
    default: '1800',
    help: 'seconds a session token lives (0: no token)',
  },
  {
    flag: '--redirect-url',
    env: 'ETAX_REDIRECT_URL',
    key: 'redirectUrl',
    type: 'string',
    help: 'where the page goes after login (same origin)',
  },
  {
    flag: '--session',
    env: 'ETAX_SESSION',
    key: 'session',
    type: 'string',
    default: 'token',
    help: 'token (in the authenticated state) or cookie (signed; key in ETAX_SESSION_KEY or ETAX_SESSION_KEY_FILE)',
  },
  {
    flag: '--home-url',
    env: 'ETAX_HOME_URL',
    key: 'homeUrl',
    type: 'string',
    default: '/',
    help: 'with --session cookie: where the person goes once the cookie is set',
  },
  {
    flag: '--redis',
    env: 'ETAX_REDIS_URL',
    key: 'redis',
    type: 'string',
    help: 'Redis shared by every instance: redis://host:6379[/db], rediss:// for TLS; default: memory, one instance',
  },
  {
    flag: '--redis-prefix',
    env: 'ETAX_REDIS_PREFIX',
    key: 'redisPrefix',
    type: 'string',
    default: 'etax-login:',
    help: 'put before every Redis key and channel',
  },
  {
    flag: '--app-base-path',
    env: 'ETAX_APP_BASE_PATH',
    key: 'appBasePath',
    type: 'string',
    default: '/app-api',
    help: 'path of the app API (docs/app-api.md), served only with a secret',
  },
  {
    flag: '--app-signature-window',
    env: 'ETAX_APP_SIGNATURE_WINDOW',
    key: 'appSignatureWindow',
    type: 'number',
    default: '300',
    help: 'seconds an app API request may be off the server clock',
  },
  {
    flag: '--app-secret-file',
    env: 'ETAX_APP_SECRET_FILE',
    key: 'appSecretFile',
    type: 'string',
    help: 'file of app API secrets, one a line: current, then previous',
  },
  {
    flag: '--test-outbox',
    env: 'ETAX_TEST_OUTBOX',
    key: 'testOutbox',
    type: 'boolean',
    default: 'false',
    help: 'test deployments only: SMS of "test" accounts readable through the app API',
  },
  {
    flag: '--trust-proxy',
    env: 'ETAX_TRUST_PROXY',
    key: 'trustProxy',
    type: 'list',
    default: '',
    help: 'proxies whose X-Forwarded-For is believed: addresses and CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8',
  },
  {
    flag: '--rate-limit-window',
    env: 'ETAX_RATE_LIMIT_WINDOW',
    key: 'rateLimitWindow',
    type: 'number',
    default: '60',
    help: 'seconds of the window of the limits per client address',
  },
  {
    flag: '--rate-limit-requests',
    env: 'ETAX_RATE_LIMIT_REQUESTS',
    key: 'rateLimitRequests',
    type: 'number',
    default: '600',
    help: 'requests of the page API per client address per window (0: no limit)',
  },
  {
    flag: '--rate-limit-flows',
    env: 'ETAX_RATE_LIMIT_FLOWS',
    key: 'rateLimitFlows',
    type: 'number',
    default: '30',
    help: 'logins (QR and password flows) started per client address per window (0: no limit)',
  },
  {
    flag: '--max-streams-per-address',
    env: 'ETAX_MAX_STREAMS_PER_ADDRESS',
    key: 'maxStreamsPerAddress',
    type: 'number',
    default: '100',
    help: 'SSE and WebSocket streams one client address holds open on an instance (0: no limit)',
  },
  {
    flag: '--max-body',
    env: 'ETAX_MAX_BODY',
    key: 'maxBody',
    type: 'number',
    default: '65536',
    help: 'longest request body, bytes (page API and app API)',
  },
  {
    flag: '--headers-timeout',
    env: 'ETAX_HEADERS_TIMEOUT',
    key: 'headersTimeout',
    type: 'number',
    default: '10',
    help: 'seconds a client has to send its request headers',
  },
  {
    flag: '--request-timeout',
    env: 'ETAX_REQUEST_TIMEOUT',
    key: 'requestTimeout',
    type: 'number',
    default: '30',
    help: 'seconds a client has to send its whole request (streams and long-polls are not cut)',
  },
  {
    flag: '--keep-alive-timeout',
    env: 'ETAX_KEEP_ALIVE_TIMEOUT',
    key: 'keepAliveTimeout',
    type: 'number',
    default: '5',
    help: 'seconds an idle kept-alive connection stays open',
  },
  {
    flag: '--audit-log',
    env: 'ETAX_AUDIT_LOG',
    key: 'auditLog',
    type: 'string',
    default: '-',
    help: 'audit log of login attempts and operator actions, JSON lines: a file (appended), - for stdout',
  },
  {
    flag: '--instance-id',
    env: 'ETAX_INSTANCE_ID',
    key: 'instanceId',
    type: 'string',
    help: 'name of this instance: the Etax-Instance header of every answer, the log, the audit log (default hostname:pid)',
  },
];

const TRANSPORTS: TransportName[] = ['poll', 'long-poll', 'sse', 'websocket'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `--help`. */
export function helpText(): string {
  const rows = OPTIONS.map(
    (o) =>
      `  ${`${o.flag} ${o.type === 'boolean' ? '' : `<${o.type}>`}`.padEnd(33)} ${o.help}` +
      `${o.default ? ` (default ${o.default || '—'})` : ''}\n${''.padEnd(36)}env ${o.env}, config file "${o.key}"`,
  );
  return [
    'etax-login-server: the reference backend of etax-login (protocol v1).',
    '',
    'Usage: etax-login-server [options]',
    '       etax-login-server hash-password   (reads a password on standard input, prints its hash)',
    "       etax-login-server unlock --account ID [options]   (lifts the account's locks in the Redis",
    '         the servers share, and records it in the audit log; needs --redis)',
    '',
    'Options (flags override the environment, which overrides the config file):',
    `  ${'--config <file>'.padEnd(34)}JSON file with any of the keys below\n${''.padEnd(36)}env ETAX_CONFIG`,
    ...rows,
    `  ${'--help'.padEnd(34)}print this and exit`,
    '',
    'Secrets are read from the environment or a file, never from flags, which other users of',
    'the machine can see: ETAX_SESSION_KEY (base64, at least 32 bytes) or ETAX_SESSION_KEY_FILE;',
    'ETAX_REDIS_PASSWORD (the Redis password, when ETAX_REDIS_URL or the config file has none).',
    `the app API's ETAX_APP_SECRET and, while rotating, ETAX_APP_SECRET_PREVIOUS (at least`,
    `${MIN_SECRET_LENGTH} characters each), or --app-secret-file. Without an app secret there is no app API.`,
    '--test-outbox is refused when NODE_ENV=production.',
    '',
    'Endpoints: <base-path>/v1/… (protocol v1), <app-base-path>/v1/… (the app API), /healthz, /readyz.',
  ].join('\n');
}

/** Reads the configuration from flags, the environment and the config file; throws a `ConfigError`. */
export async function readConfig(
  argv: string[],
  env: Record<string, string | undefined>,
  defaultInstanceId = `${hostname()}:${process.pid}`,
): Promise<ServerConfig> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.split(/=(.*)/s, 2);
    const option = OPTIONS.find((o) => o.flag === name);
    if (name === '--config') {
      flags.set('--config', inline ?? argv[++i] ?? '');
      continue;
    }
    if (!option) throw new ConfigError(`unknown option ${arg} (see --help)`);
    if (option.type === 'boolean' && inline === undefined) flags.set(name, 'true');
    else {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new ConfigError(`${name} needs a value`);
      flags.set(name, value);
    }
  }

  const raw: Record<string, unknown> = {};
  const configFile = flags.get('--config') ?? env.ETAX_CONFIG;
  if (configFile) {
    try {
      Object.assign(raw, flatten(JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>));
    } catch (e) {
      throw new ConfigError(`config file ${configFile}: ${(e as Error).message}`, { cause: e });
    }
  }
  const known = new Set(OPTIONS.map((o) => o.key));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new ConfigError(`config file ${configFile}: unknown key "${key}"`);
  }
  for (const o of OPTIONS) {
    const text = flags.get(o.flag) ?? env[o.env];
    if (text !== undefined) raw[o.key] = text;
    else if (!(o.key in raw) && o.default !== undefined) raw[o.key] = o.default;
  }

  const value = (o: Option): unknown => {
    const v = raw[o.key];
    if (v === undefined) return undefined;
    const where = `${o.flag} (${o.env}, "${o.key}")`;
    switch (o.type) {
      case 'number': {
        const n = typeof v === 'number' ? v : Number(v);
        if (!Number.isFinite(n) || n < 0)
          throw new ConfigError(`${where} must be a number ≥ 0, not ${JSON.stringify(v)}`);
        return n;
      }
      case 'boolean':
        if (v === true || v === 'true' || v === '1') return true;
        if (v === false || v === 'false' || v === '0' || v === '') return false;
        throw new ConfigError(`${where} must be true or false`);
      case 'list':
        return (Array.isArray(v) ? v.map(String) : String(v).split(',')).map((x) => x.trim()).filter(Boolean);
      default:
        return String(v);
    }
  };

  const config: ServerConfig = {
    host: '',
    port: 0,
    basePath: '',
    allowedOrigins: [],
    credentials: false,
    transports: [],
    settings: {},
    sessionLifetime: 1800,
    session: 'token',
    homeUrl: '/',
    redisPrefix: 'etax-login:',
    appBasePath: '/app-api',
    appSignatureWindow: 300,
    appSecrets: [],
    testOutbox: false,
    instanceId: defaultInstanceId,
    trustProxy: [],
    rateLimitWindow: 60,
    rateLimitRequests: 600,
    rateLimitFlows: 30,
    maxStreamsPerAddress: 100,
    maxBody: 65536,
    headersTimeout: 10,
    requestTimeout: 30,
    keepAliveTimeout: 5,
    auditLog: '-',
  };
  for (const o of OPTIONS) {
    const v = value(o);
    if (v === undefined) continue;
    const path = o.key.split('.');
    let target = config as unknown as Record<string, unknown>;
    for (const p of path.slice(0, -1)) target = (target[p] ??= {}) as Record<string, unknown>;
    target[path.at(-1)!] = v;
  }

  if (!Number.isInteger(config.port) || config.port > 65535) throw new ConfigError(`--port must be 0–65535`);
  if (!/^\/[^?#]*$/.test(config.basePath) || config.basePath.endsWith('/')) {
    throw new ConfigError(`--base-path must start with / and not end with one (e.g. /api/etax-login)`);
  }
  for (const origin of config.allowedOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin)
      throw new ConfigError(`--allowed-origins: "${origin}" is not an origin (scheme://host[:port])`);
  }
  for (const t of config.transports) {
    if (!TRANSPORTS.includes(t)) throw new ConfigError(`--transports: unknown transport "${t}"`);
  }
  if (!config.transports.includes('poll')) config.transports.unshift('poll');
  config.settings.transports = config.transports;
  for (const key of ['flowLifetime', 'qrLifetime', 'pollInterval', 'heartbeat', 'maxPasswordAttempts'] as const) {
    if (config.settings[key] === 0) throw new ConfigError(`${key} must be above 0`);
  }
  if ((config.settings.qrLifetime ?? 60) > (config.settings.flowLifetime ?? 300)) {
    throw new ConfigError('the QR lifetime cannot be longer than the flow lifetime');
  }
  if (config.session !== 'token' && config.session !== 'cookie') {
    throw new ConfigError(`--session must be token or cookie, not "${String(config.session)}"`);
  }
  if (!config.homeUrl.startsWith('/'))
    throw new ConfigError('--home-url must be a path on the portal, e.g. /portal/home');
  if (config.redirectUrl && !config.redirectUrl.startsWith('/')) {
    throw new ConfigError('--redirect-url must be a path on the portal (same origin), e.g. /portal/home');
  }
  if (config.redis !== undefined) {
    const url = URL.canParse(config.redis) ? new URL(config.redis) : undefined;
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname) {
      throw new ConfigError('--redis must be a URL redis://host:port or rediss://host:port (TLS)');
    }
    // A password on the command line is visible to every user of the machine.
    if (url.password && flags.has('--redis')) {
      throw new ConfigError(
        '--redis: no password in a flag; give it in ETAX_REDIS_PASSWORD (or the whole URL in ETAX_REDIS_URL)',
      );
    }
  }
  if (!/^\S{0,64}$/.test(config.redisPrefix)) {
    throw new ConfigError('--redis-prefix must be at most 64 characters without spaces');
  }
  const inside = (a: string, b: string) => a === b || a.startsWith(`${b}/`);
  if (!/^\/[^?#]*[^/?#]$/.test(config.appBasePath)) {
    throw new ConfigError('--app-base-path must start with / and not end with one (e.g. /app-api)');
  }
  if (
    inside(config.appBasePath, config.basePath) ||
    inside(config.basePath, config.appBasePath) ||
    ['/healthz', '/readyz', '/metrics'].some((p) => inside(p, config.appBasePath))
  ) {
    throw new ConfigError('--app-base-path must be apart from --base-path, /healthz, /readyz and /metrics');
  }
  if (!Number.isInteger(config.appSignatureWindow) || config.appSignatureWindow < 1) {
    throw new ConfigError('--app-signature-window must be a whole number of seconds, at least 1');
  }
  // A header value: visible ASCII, no spaces.
  if (!/^[\x21-\x7e]{1,64}$/.test(config.instanceId)) {
    throw new ConfigError('--instance-id must be 1–64 visible ASCII characters without spaces');
  }
  try {
    proxyAddr.compile(config.trustProxy);
  } catch (e) {
    throw new ConfigError(`--trust-proxy: ${(e as Error).message} (addresses or CIDR ranges, e.g. 10.0.0.0/8)`);
  }
  for (const key of ['rateLimitWindow', 'headersTimeout', 'requestTimeout', 'keepAliveTimeout', 'maxBody'] as const) {
    if (config[key] < 1) throw new ConfigError(`${key} must be at least 1`);
  }
  if ((config.settings.accountRateLimit?.window ?? 900) < 1) {
    throw new ConfigError('--account-rate-window must be at least 1 second');
  }
  if (config.headersTimeout > config.requestTimeout) {
    throw new ConfigError('--headers-timeout cannot be longer than --request-timeout');
  }
  if (!config.auditLog) throw new ConfigError('--audit-log needs a file, or - for standard output');
  config.appSecrets = await readAppSecrets(config.appSecretFile, env);
  if (config.testOutbox && !config.appSecrets.length) {
    throw new ConfigError('--test-outbox is served by the app API, which needs a secret (ETAX_APP_SECRET)');
  }
  if (config.testOutbox && env.NODE_ENV === 'production') {
    throw new ConfigError('--test-outbox shows SMS codes: it is for test deployments, and NODE_ENV is production');
  }
  return config;
}

/**
 * The app API's secrets: `ETAX_APP_SECRET` (and `ETAX_APP_SECRET_PREVIOUS`
 * while rotating), or a file with one secret a line, the current one first.
 */
async function readAppSecrets(file: string | undefined, env: Record<string, string | undefined>): Promise<string[]> {
  const current = env.ETAX_APP_SECRET?.trim();
  const previous = env.ETAX_APP_SECRET_PREVIOUS?.trim();
  let secrets: string[];
  if (file) {
    if (current || previous) {
      throw new ConfigError('give the app secret in ETAX_APP_SECRET or in --app-secret-file, not both');
    }
    let content: string;
    try {
      content = await readFile(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`--app-secret-file ${file}: ${(e as Error).message}`, { cause: e });
    }
    secrets = content
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean);
    if (!secrets.length) throw new ConfigError(`--app-secret-file ${file} holds no secret`);
  } else {
    if (previous && !current) throw new ConfigError('ETAX_APP_SECRET_PREVIOUS needs ETAX_APP_SECRET, the new secret');
    secrets = [current, previous].filter((s): s is string => !!s);
  }
  if (secrets.length > MAX_SECRETS) {
    throw new ConfigError(`at most ${MAX_SECRETS} app secrets are valid at once: the current one and the previous one`);
  }
  if (secrets.some((s) => s.length < MIN_SECRET_LENGTH)) {
    throw new ConfigError(`an app secret has at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`);
  }
  return secrets;
}

/** `{ settings: { sms: { dailyLimit: 3 } } }` → `{ "settings.sms.dailyLimit": 3 }`. */
function flatten(o: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v))
      Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}
