/**
 * The server command as a process of its own, run from its sources (no build),
 * as an operator runs an instance: its JSON log collected (never printed), its
 * URL read from the `listening` line, stopped by its pid. For the tests that
 * need real processes (Redis outages, several instances).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServerProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** The log lines written so far. */
  lines(): Record<string, unknown>[];
  /** What the process wrote on standard error. */
  stderr(): string;
  /** Resolves with the first log line `match` accepts, waiting for it; rejects if the process ends first. */
  line(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  /** SIGTERM (a graceful shutdown); resolves with the exit code. */
  stop(): Promise<number | string>;
  /** SIGKILL. */
  kill(): Promise<void>;
}

/** Starts `etax-login-server` with `args` (on port 0 unless they say otherwise); resolves once it listens. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      './scripts/ts-hooks.mjs',
      'server/src/cli.ts',
      ...(args.includes('--port') ? [] : ['--port', '0']),
      ...args,
    ],
    { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve(code ?? signal ?? -1);
      for (const w of waiters) w();
    }),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  child.stdout!.on('data', (d) => {
    stdout += String(d);
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (d) => (stderr += String(d)));

  const lines = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const line = async (match: (l: Record<string, unknown>) => boolean) => {
    for (;;) {
      const found = lines().find(match);
      if (found) return found;
      if (ended) throw new Error(`the server exited: ${stderr.trim() || stdout.trim()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
      });
    }
  };

  const { url } = (await line((l) => l.msg === 'listening')) as { url: string };
  return {
    child,
    url,
    exited,
    lines,
    stderr: () => stderr,
    line,
    async stop() {
      if (!ended) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (!ended) child.kill('SIGKILL');
      await exited;
    },
  };
}
