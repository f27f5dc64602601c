/**
 * A real `nginx` for a test, in front of server instances, with the shipped
 * routing rules (`deploy/etax-login-locations.conf`) included as they are: its
 * own free loopback port and temporary prefix, no daemon, errors on standard
 * error (collected), stopped by its pid, the prefix removed.
 *
 * ```ts
 * const nginx = await startNginx({ upstreams: ['127.0.0.1:8081', '127.0.0.1:8082'], root: pagesDir });
 * await fetch(`${nginx.url}/api/etax-login/v1/capabilities`);
 * await nginx.stop();
 * ```
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis.js';

/** The routing rules the shipped `deploy/nginx.conf` includes. */
export const LOCATIONS = fileURLToPath(new URL('../../deploy/etax-login-locations.conf', import.meta.url));
export const SHIPPED_CONF = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

const INSTALL = 'Debian/Ubuntu: sudo apt-get install nginx-light; `.ci/run` installs it';

/** The `nginx` executable: `NGINX`, else the one on the PATH or in /usr/sbin; undefined when there is none. */
export function findNginx(): string | undefined {
  for (const candidate of [process.env.NGINX, 'nginx', '/usr/sbin/nginx'].filter((c): c is string => !!c)) {
    const r = spawnSync(candidate, ['-v'], { stdio: 'ignore' });
    if (!r.error && r.status === 0) return candidate;
  }
  return undefined;
}

export interface NginxOptions {
  /** The instances, `host:port`, in the `etax_login` upstream. */
  upstreams: string[];
  /** A directory served as the site's static pages (the portal's pages with the drop-in). */
  root: string;
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** What nginx wrote on standard error (its error log). */
  stderr(): string;
  /** Stops nginx by its pid (SIGQUIT: a graceful stop; SIGKILL after 5 s) and removes its prefix. */
  stop(): Promise<void>;
}

/** The test's nginx.conf: the shipped rules, around the test's instances, everything inside `prefix`. */
export function testConfig(prefix: string, port: number, { upstreams, root }: NginxOptions): string {
  return `
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  types { text/html html; text/javascript js; }
  default_type application/octet-stream;
  upstream etax_login {
${upstreams.map((u) => `    server ${u} max_fails=1 fail_timeout=1s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
    root ${root};
    log_not_found off;
    location = /nginx-is-up { return 204; }
    include ${LOCATIONS};
  }
}
`;
}

export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  const executable = findNginx();
  if (!executable) throw new Error(`nginx not found (${INSTALL}), or set NGINX to its executable`);
  if (!existsSync(LOCATIONS)) throw new Error(`${LOCATIONS} is missing`);
  const prefix = await mkdtemp(join(tmpdir(), 'etax-nginx-'));
  // Run as root, nginx's workers are `nobody`: they must reach the prefix (and the pages).
  await chmod(prefix, 0o755);
  await chmod(options.root, 0o755);
  let child: ChildProcess | undefined;
  let stderr = '';
  let port!: number;
  const cleanUp = () => rm(prefix, { recursive: true, force: true });
  try {
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      await mkdir(join(prefix, 'logs'), { recursive: true });
      await writeFile(join(prefix, 'nginx.conf'), testConfig(prefix, port, options));
      stderr = '';
      const c = spawn(executable, ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      c.stderr!.on('data', (d) => (stderr += String(d)));
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      let dead = false;
      void exited.then(() => (dead = true));
      const deadline = Date.now() + 10_000;
      let up = false;
      while (!dead && Date.now() < deadline) {
        up = await fetch(`http://127.0.0.1:${port}/nginx-is-up`).then(
          (r) => (void r.body?.cancel(), true),
          () => false,
        );
        if (up) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (up) {
        child = c;
        break;
      }
      c.kill('SIGKILL');
      await exited;
      // Another process may have taken the port between the look-up and the start: try again.
      if (attempt >= 3) throw new Error(`nginx did not start: ${stderr.trim()}`);
    }
  } catch (e) {
    await cleanUp();
    throw e;
  }
  const running = child;
  const exited = new Promise<void>((resolve) =>
    running.exitCode !== null || running.signalCode !== null ? resolve() : running.once('exit', () => resolve()),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    pid: running.pid!,
    stderr: () => stderr,
    async stop() {
      if (running.exitCode === null && running.signalCode === null) {
        running.kill('SIGQUIT');
        const timer = setTimeout(() => running.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await cleanUp();
    },
  };
}
