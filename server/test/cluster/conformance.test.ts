// The conformance kit, as a backend team runs it (`npm run conformance`), with
// its target file and the app API, through nginx against the cluster: every
// check passes, the racing ones included, with the kit's requests spread over
// both instances.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SERVER_CONFIG_FILE, TARGET_FILE } from '../conformance-server.js';
import { Redis } from 'ioredis';
import type { ConformanceReport } from '../../src/conformance/index.js';
import { BASE, startCluster, type Cluster } from '../cluster.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let cluster: Cluster;
let dir: string;

before(
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'etax-conformance-'));
    // The kit's server settings, as CI runs it against one server (docs/conformance.md).
    cluster = await startCluster({
      instances: 2,
      args: ['--config', SERVER_CONFIG_FILE],
    });
  },
  { timeout: 60_000 },
);

after(
  async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  },
  { timeout: 30_000 },
);

/** `npm run conformance -- …` as a process of its own; resolves once it exits. */
function conformance(args: string[], env: Record<string, string>) {
  const child = spawn(
    process.execPath,
    ['--import', './scripts/ts-hooks.mjs', 'server/src/conformance/cli.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
}

describe('the conformance kit against the cluster, through nginx', () => {
  it(
    'passes every check with the target file and the app API, racing checks included',
    { timeout: 240_000 },
    async () => {
      const json = join(dir, 'report.json');
      const r = await conformance(['--base-url', `${cluster.url}${BASE}`, '--target', TARGET_FILE, '--json', json], {
        ETAX_APP_SECRET: cluster.appSecret,
      });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout.trim().split('\n').at(-1)!, /^\d+ passed, 0 failed$/);
      assert.doesNotMatch(r.stdout, /SKIP/);
      const report = JSON.parse(await readFile(json, 'utf8')) as ConformanceReport;
      const racing = report.results.filter((c) => c.name.startsWith('racing'));
      assert.ok(racing.length >= 2, 'the racing checks ran');
      assert.ok(
        racing.every((c) => c.ok && !c.skipped),
        JSON.stringify(racing),
      );
      // The SMS codes the kit read were kept in Redis for every instance, sealed: no value holds one in clear.
      const outbox = await cluster.app<{ messages: { code: string }[] }>('/v1/test/sms-outbox', { account: 'liqiang' });
      const codes = outbox.body.messages.map((m) => m.code);
      assert.ok(codes.length > 0, 'the kit sent codes to 李强');
      const redis = new Redis(cluster.redis.url, { lazyConnect: true });
      try {
        await redis.connect();
        const keys = await redis.keys('*testsms:*');
        assert.ok(keys.length > codes.length, 'kept in Redis');
        const values = await Promise.all(keys.map((k) => redis.get(k)));
        for (const code of codes)
          assert.ok(
            values.every((v) => !v?.includes(code)),
            'no code in clear',
          );
      } finally {
        redis.disconnect();
      }
      // Both instances answered the kit, the page API and the app API alike.
      for (const instance of cluster.instances) {
        const paths = instance.processes.flatMap((p) => p.lines()).map((l) => String(l.path ?? ''));
        assert.ok(
          paths.some((p) => p.startsWith(`${BASE}/`)),
          `${instance.id} answered the page API`,
        );
        assert.ok(
          paths.some((p) => p.startsWith('/app-api/')),
          `${instance.id} answered the app API`,
        );
      }
    },
  );
});
