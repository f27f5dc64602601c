/**
 * A real `redis-server` for a test: its own free loopback port and temporary
 * directory, stopped by its pid, the directory removed. Shared by the store
 * and server tests, the cluster tests and the server benchmark.
 *
 * ```ts
 * const redis = await startRedis();            // no files: --save '' --appendonly no
 * const store = new RedisStore({ url: redis.url });
 * await redis.restart();                        // same port, same directory
 * await redis.stop();                           // and the directory is gone
 * ```
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisOptions {
  /**
   * Persist as production does (append-only file, fsync every second) in the
   * temporary directory, so that a restart finds what was written. Default: no
   * files (`--save '' --appendonly no`).
   */
  persist?: boolean;
  /**
   * Also listen with TLS (`tlsUrl`), on a certificate for 127.0.0.1 made for the
   * test (`caFile`; a client trusts it with `NODE_EXTRA_CA_CERTS`).
   */
  tls?: boolean;
  /** More arguments to `redis-server`, e.g. `['--requirepass', secret]`. */
  args?: string[];
}

export interface RunningRedis {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** `rediss://127.0.0.1:<port>` with `tls`. */
  readonly tlsUrl?: string;
  /** The certificate to trust for `tlsUrl` (self-signed). */
  readonly caFile?: string;
  /** The server's directory (its append-only file when `persist`). */
  readonly dir: string;
  /** The pid of the running server (it changes with each start). */
  readonly pid: number;
  /** Whether a server is running now. */
  readonly running: boolean;
  /** Stops the server by its pid (SIGTERM: a clean shutdown, as `SHUTDOWN` does) and waits for it to exit. */
  shutdown(): Promise<void>;
  /** Kills the server (SIGKILL): what a crash leaves behind. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and directory; resolves once it answers. */
  start(): Promise<void>;
  /** `shutdown()` then `start()`. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const INSTALL = 'Debian/Ubuntu: sudo apt-get install redis-server; `.ci/run` installs it';

/** The `redis-server` executable: `REDIS_SERVER`, else the one on the PATH; undefined when there is none. */
export function findRedisServer(): string | undefined {
  const wanted = process.env.REDIS_SERVER ?? 'redis-server';
  const r = spawnSync(wanted, ['--version'], { stdio: 'ignore' });
  return r.error || r.status !== 0 ? undefined : wanted;
}

/** A TCP port free on the loopback address now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(options: RedisOptions = {}): Promise<RunningRedis> {
  const executable = findRedisServer();
  if (!executable) throw new Error(`redis-server not found (${INSTALL}), or set REDIS_SERVER to its executable`);
  const host = '127.0.0.1';
  const dir = await mkdtemp(join(tmpdir(), 'etax-redis-'));
  let port = 0;
  let tlsPort = 0;
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  if (options.tls) {
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        cert,
      ]),
      { stdio: 'pipe' },
    );
    if (made.status !== 0) throw new Error(`openssl could not make a certificate: ${String(made.stderr)}`);
  }
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const args = () => [
    '--port',
    String(port),
    '--bind',
    host,
    '--dir',
    dir,
    '--save',
    '',
    ...(options.persist ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.tls
      ? ['--tls-port', String(tlsPort), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-auth-clients', 'no']
      : []),
    ...(options.args ?? []),
  ];

  const launch = async () => {
    let output = '';
    const c = spawn(executable, args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d) => (output += String(d)));
    c.stderr!.on('data', (d) => (output += String(d)));
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    child = c;
    exited = gone.then(() => {
      if (child === c) child = undefined;
    });
    let dead = false;
    void gone.then(() => (dead = true));
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(host, port))) {
      if (dead) throw new Error(`redis-server exited at start: ${output.trim()}`);
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`redis-server did not answer on port ${port}: ${output.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  // Another process may take the free port between the look-up and the start: try again.
  for (let attempt = 0; ; attempt++) {
    port = await freePort(host);
    if (options.tls) tlsPort = await freePort(host);
    try {
      await launch();
      break;
    } catch (e) {
      if (attempt >= 3) {
        await rm(dir, { recursive: true, force: true });
        throw e;
      }
    }
  }

  const signal = async (name: NodeJS.Signals) => {
    if (!child) return;
    child.kill(name);
    await exited;
  };

  const redis: RunningRedis = {
    host,
    get port() {
      return port;
    },
    get url() {
      return `redis://${host}:${port}`;
    },
    ...(options.tls ? { tlsUrl: `rediss://${host}:${tlsPort}`, caFile: cert } : {}),
    dir,
    get pid() {
      return child?.pid ?? -1;
    },
    get running() {
      return !!child;
    },
    shutdown: () => signal('SIGTERM'),
    kill: () => signal('SIGKILL'),
    start: () => (child ? Promise.resolve() : launch()),
    async restart() {
      await redis.shutdown();
      await redis.start();
    },
    async stop() {
      await signal('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
  return redis;
}

/** Whether a Redis server answers on the port now: `PONG`, or `NOAUTH` with a password set (not `LOADING`). */
function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += String(d);
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });
}
