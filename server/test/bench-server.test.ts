// `npm run bench:server -- --quick` as an operator runs it, with tiny counts: every
// measure runs to its end (real server processes, Redis, the load client, the waiter
// processes) and its figures land in the results file, so that the benchmark behind
// docs/benchmarks.md keeps working as the server changes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Results {
  create: Record<'floor' | 'memory' | 'redis', { perSecond: number; latencyP50: number; latencyP99: number }> & {
    memory: { ratio: number; half: { latencyP99: number } };
    redis: { ratio: number; half: { latencyP99: number } };
  };
  hold: Record<
    'sse' | 'long-poll' | 'websocket',
    {
      flows: number;
      held: number;
      heldAtEnd: number;
      errors: number;
      bytesPerWaitingFlow: number;
      loop: { p99: number };
    }
  >;
  propagation: {
    flows: number;
    received: number;
    p50: number;
    p99: number;
    errors: number;
    reconnects: number;
    statuses: Record<string, number>;
  };
  settings: { serverFlags: string[] };
}

describe('npm run bench:server -- --quick', () => {
  it(
    'measures creation, waiting flows and propagation, prints the table and writes the results',
    { timeout: 180_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'etax-bench-test-'));
      try {
        const out = join(dir, 'results.json');
        const child = spawn(
          process.execPath,
          ['--import', './scripts/ts-hooks.mjs', 'bench/server/run.mjs', '--quick', '--out', out],
          { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += String(d)));
        child.stderr.on('data', (d) => (stderr += String(d)));
        const code = await new Promise((resolve) => child.once('exit', resolve));
        assert.equal(code, 0, stderr);

        assert.match(stdout, /\| Measure +\| Value +\| Note +\|/);
        assert.match(stdout, /QR flows created\/s, Redis store/);
        const r = JSON.parse(await readFile(out, 'utf8')) as Results;
        for (const store of ['memory', 'redis'] as const) {
          assert.ok(r.create[store].perSecond > 0 && r.create[store].ratio > 0, store);
          assert.ok(r.create[store].latencyP99 >= r.create[store].latencyP50, store);
          assert.ok(r.create[store].half.latencyP99 >= 0, store);
        }
        assert.ok(r.create.floor.perSecond > 0);
        for (const transport of ['sse', 'long-poll', 'websocket'] as const) {
          const h = r.hold[transport];
          assert.equal(h.held, h.flows, transport);
          assert.equal(h.heldAtEnd, h.flows, transport);
          assert.equal(h.errors, 0, transport);
          assert.ok(h.bytesPerWaitingFlow > 0 && h.loop.p99 > 0, transport);
        }
        assert.equal(r.propagation.received, r.propagation.flows);
        assert.equal(r.propagation.errors + r.propagation.reconnects, 0);
        assert.ok(r.propagation.p99 >= r.propagation.p50 && r.propagation.p50 > 0);
        assert.ok(Array.isArray(r.settings.serverFlags));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
