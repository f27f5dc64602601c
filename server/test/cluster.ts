/**
 * A cluster as production runs one, for `npm run test:cluster`: a real
 * `redis-server` (with the append-only file), several `etax-login-server`
 * instances as processes of their own on Redis (no memory store), and nginx in
 * front with the shipped routing rules, serving a portal page that loads the
 * built drop-in. Everything on loopback ports, in temporary directories,
 * stopped by pid.
 *
 * ```ts
 * const cluster = await startCluster({ instances: 2 });
 * const created = await cluster.page('/v1/flows/qr', { json: {} });   // through nginx
 * await cluster.instances[0].kill();                                 // SIGKILL
 * await cluster.stop();
 * ```
 */
import { build } from 'esbuild';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_SIGNATURE, APP_TIMESTAMP, signRequest } from '../src/app-api.js';
import { INSTANCE_HEADER } from '../src/host.js';
import { startNginx, type RunningNginx } from './nginx.js';
import { freePort, startRedis, type RedisOptions, type RunningRedis } from './redis.js';
import { startServer, type ServerProcess } from './server-process.js';

export const BASE = '/api/etax-login';
export const APP = '/app-api';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DROP_IN = join(ROOT, 'dist/etax-login.min.js');

/**
 * The portal's page: the drop-in, and the WebSocket add-on given to the element when
 * `?transport=websocket` (as a portal enables it: `el.clientOptions = { webSocket }`).
 */
const PAGE = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>etax-login</title><link rel="icon" href="data:,"></head>
<body><script type="module">
import '/etax-login.min.js';
import { webSocket } from '/websocket.js';
const transport = new URLSearchParams(location.search).get('transport') ?? 'auto';
const login = document.createElement('etax-login');
login.baseUrl = '${BASE}';
login.transport = transport;
if (transport === 'websocket') login.clientOptions = { webSocket };
document.body.append(login);
</script></body></html>`;

export interface Instance {
  /** Its `--instance-id`: `i1`, `i2`, …, named by the `Etax-Instance` header. */
  readonly id: string;
  readonly port: number;
  /** The process now (a new one after each start); undefined while stopped. */
  readonly process: ServerProcess | undefined;
  /** Every process this instance ran, the current one last. */
  readonly processes: ServerProcess[];
  /** `http://127.0.0.1:<port>`, straight to the instance. */
  readonly url: string;
  /** Starts the instance (again) on its port; resolves once it listens. */
  start(): Promise<void>;
  /** SIGTERM, a graceful stop; resolves with the exit code. */
  stop(): Promise<number | string>;
  /** SIGKILL. */
  kill(): Promise<void>;
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  /** The instance that answered (`Etax-Instance`). */
  instance: string | null;
  headers: Headers;
}

export interface Cluster {
  readonly redis: RunningRedis;
  readonly nginx: RunningNginx;
  readonly instances: Instance[];
  /** nginx's URL: the portal as a person reaches it. */
  readonly url: string;
  /** The app API's secret every instance shares (for a client of the app API other than `app()`). */
  readonly appSecret: string;
  /** A request of the page's API through nginx, as the element sends it. */
  page<T = unknown>(
    path: string,
    options?: { token?: string; json?: unknown; method?: string; headers?: Record<string, string> },
  ): Promise<Answer<T>>;
  /** A request of the app API through nginx, signed as the tax apps' backend signs it. */
  app<T = unknown>(path: string, body: Record<string, unknown>): Promise<Answer<T>>;
  /** The instance by its id. */
  instance(id: string | null): Instance;
  /**
   * What the operator's logs show went wrong so far: the error and warning lines of
   * every instance process, what they wrote on standard error, nginx's error log lines.
   */
  problems(): string[];
  /** Stops nginx, the instances and Redis by their pids, and removes every temporary directory. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** Instances; default 2. */
  instances?: number;
  /** More arguments for every instance (`--qr-lifetime 5`, …). */
  args?: string[];
  /** Redis's options; default the append-only file, as production runs it. */
  redis?: RedisOptions;
}

/** Resolves once `done()` holds; fails after `ms` with `what`. */
export async function until(done: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  if (!existsSync(DROP_IN)) throw new Error('dist/etax-login.min.js is missing: run `npm run build:drop-in` first');
  const secret = randomBytes(24).toString('hex');
  const env = { ETAX_APP_SECRET: secret, NODE_ENV: 'test' };
  const stoppers: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    // Newest first: nginx, then the instances, then Redis, then the pages.
    for (const stop of stoppers.reverse()) await stop().catch(() => {});
    stoppers.length = 0;
  };
  try {
    const root = await mkdtemp(join(tmpdir(), 'etax-portal-'));
    stoppers.push(() => rm(root, { recursive: true, force: true }));
    await copyFile(DROP_IN, join(root, 'etax-login.min.js'));
    await writeFile(join(root, 'index.html'), PAGE);
    await build({
      entryPoints: [join(ROOT, 'src/client/websocket.ts')],
      bundle: true,
      format: 'esm',
      minify: true,
      outfile: join(root, 'websocket.js'),
      logLevel: 'silent',
    });

    const redis = await startRedis({ persist: true, ...options.redis });
    stoppers.push(() => redis.stop());

    const instances: Instance[] = [];
    for (let i = 1; i <= (options.instances ?? 2); i++) {
      const id = `i${i}`;
      const port = await freePort();
      const processes: ServerProcess[] = [];
      let current: ServerProcess | undefined;
      const instance: Instance = {
        id,
        port,
        get process() {
          return current;
        },
        processes,
        url: `http://127.0.0.1:${port}`,
        async start() {
          if (current) return;
          current = await startServer(
            [
              '--redis',
              redis.url,
              '--instance-id',
              id,
              '--port',
              String(port),
              '--test-outbox',
              // nginx, on the loopback address: its X-Forwarded-For names the client.
              '--trust-proxy',
              '127.0.0.1',
              ...(options.args ?? []),
            ],
            env,
          );
          processes.push(current);
        },
        async stop() {
          const p = current;
          if (!p) return 'not running';
          const code = await p.stop();
          current = undefined;
          return code;
        },
        async kill() {
          await current?.kill();
          current = undefined;
        },
      };
      instances.push(instance);
      stoppers.push(() => instance.kill());
    }
    await Promise.all(instances.map((i) => i.start()));
    await until(
      async () =>
        (await Promise.all(instances.map((i) => fetch(`${i.url}/readyz`).then((r) => r.status)))).every(
          (s) => s === 200,
        ),
      'every instance ready',
    );

    const nginx = await startNginx({ upstreams: instances.map((i) => `127.0.0.1:${i.port}`), root });
    stoppers.push(() => nginx.stop());

    const answer = async <T>(r: Response): Promise<Answer<T>> => {
      const text = await r.text();
      return {
        status: r.status,
        body: (text && r.headers.get('Content-Type')?.includes('json') ? JSON.parse(text) : text) as T,
        instance: r.headers.get(INSTANCE_HEADER),
        headers: r.headers,
      };
    };
    let nonce = 0;
    return {
      redis,
      nginx,
      instances,
      url: nginx.url,
      appSecret: secret,
      async page(path, { token, json, method, headers = {} } = {}) {
        const h: Record<string, string> = { 'Etax-Request': '1', ...headers };
        if (token) h.Authorization = `Bearer ${token}`;
        if (json !== undefined) h['Content-Type'] = 'application/json';
        return answer(
          await fetch(`${nginx.url}${BASE}${path}`, {
            method: method ?? (json === undefined ? 'GET' : 'POST'),
            headers: h,
            ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
          }),
        );
      },
      async app(path, body) {
        // A nonce: two identical requests in the same second are two requests (docs/app-api.md §1).
        const text = JSON.stringify({ ...body, nonce: `n${++nonce}` });
        const timestamp = Math.floor(Date.now() / 1000);
        return answer(
          await fetch(`${nginx.url}${APP}${path}`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              [APP_TIMESTAMP]: String(timestamp),
              [APP_SIGNATURE]: signRequest(secret, { method: 'POST', path: `${APP}${path}`, timestamp, body: text }),
            },
            body: text,
          }),
        );
      },
      instance(id) {
        const found = instances.find((i) => i.id === id);
        if (!found) throw new Error(`no instance named ${String(id)}`);
        return found;
      },
      problems() {
        const out: string[] = [];
        for (const i of instances) {
          for (const p of i.processes) {
            // Log lines of level warn and above (the audit log's lines, on the same output, have none).
            for (const l of p.lines()) {
              if (['warn', 'error', 'fatal'].includes(String(l.level))) out.push(`${i.id}: ${JSON.stringify(l)}`);
            }
            if (p.stderr()) out.push(`${i.id} stderr: ${p.stderr()}`);
          }
        }
        for (const l of nginx.stderr().split('\n')) if (l.trim()) out.push(`nginx: ${l}`);
        return out;
      },
      stop: stopAll,
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
