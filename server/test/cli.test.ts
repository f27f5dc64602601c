// The server command as a person runs it: --help, validation at start, an
// accounts file with scrypt hashes made by hash-password, and SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { checkPassword, directoryOf, hashPassword } from '../src/accounts.js';
import { APP_SIGNATURE, APP_TIMESTAMP, signRequest } from '../src/app-api.js';
import { readConfig } from '../src/config.js';

// The command as its package ships it: bin/ over the built dist/cli.mjs.
const BIN = fileURLToPath(new URL('../bin/etax-login-server.mjs', import.meta.url));
// @ts-expect-error: a plain .mjs script of the package, without types
before(() => import('../scripts/build.mjs'));

/** Runs the command; resolves with its exit code and output once it exits. */
function run(args: string[], { input, env = {} }: { input?: string; env?: Record<string, string> } = {}) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  if (input !== undefined) child.stdin.end(input);
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** The first log line that `match` accepts. */
    async line(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      for (;;) {
        const found = stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .find(match);
        if (found) return found;
        await new Promise((resolve, reject) => {
          child.stdout.once('data', resolve);
          child.once('exit', () => reject(new Error(`exited: ${stderr}`)));
        });
      }
    },
  };
}

describe('etax-login-server command', () => {
  it('prints every option with its environment variable on --help', async () => {
    const r = run(['--help']);
    assert.equal(await r.exited, 0);
    const { stdout } = r.output();
    for (const name of [
      '--host',
      '--port',
      '--base-path',
      '--allowed-origins',
      '--accounts',
      '--lock-seconds',
      'ETAX_ACCOUNTS',
      '--app-base-path',
      '--app-signature-window',
      '--app-secret-file',
      '--test-outbox',
      'ETAX_APP_SECRET',
      'ETAX_APP_SECRET_PREVIOUS',
    ]) {
      assert.ok(stdout.includes(name), name);
    }
  });

  it('refuses a bad configuration at start, saying what is wrong', async () => {
    for (const [args, words] of [
      [['--port', '70000'], '--port'],
      [['--allowed-origins', 'https://a.example/path'], 'not an origin'],
      [['--transports', 'poll,pigeon'], 'pigeon'],
      [['--frobnicate'], 'unknown option'],
      [['--qr-lifetime', '600'], 'QR lifetime'],
    ] as [string[], string][]) {
      const r = run(args);
      assert.equal(await r.exited, 2, args.join(' '));
      assert.ok(r.output().stderr.includes(words), r.output().stderr);
    }
  });

  it('reads flags over the environment over the config file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'etax-config-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(file, JSON.stringify({ port: 9000, settings: { lockSeconds: 60, sms: { dailyLimit: 3 } } }));
      const config = await readConfig(['--config', file, '--port', '9002'], { PORT: '9001', ETAX_LOCK_SECONDS: '90' });
      assert.equal(config.port, 9002);
      assert.equal(config.settings.lockSeconds, 90);
      assert.equal(config.settings.sms?.dailyLimit, 3);
      assert.equal(config.host, '127.0.0.1');
      await writeFile(file, JSON.stringify({ secretKey: 'x' }));
      await assert.rejects(readConfig(['--config', file], {}), /unknown key "secretKey"/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('hashes a password given on standard input, and the server logs in with it', async () => {
    const h = run(['hash-password'], { input: 's3cret!Pass\n' });
    assert.equal(await h.exited, 0);
    const hash = h.output().stdout.trim();
    assert.match(hash, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await checkPassword(hash, 's3cret!Pass'), true);
    assert.equal(await checkPassword(hash, 's3cret!pass'), false);
    assert.equal(await checkPassword('not a hash', 's3cret!Pass'), false);

    const dir = await mkdtemp(join(tmpdir(), 'etax-accounts-'));
    try {
      const demo = JSON.parse(await readFile(fileURLToPath(new URL('../demo-accounts.json', import.meta.url)), 'utf8'));
      demo.accounts[0].passwordHash = hash;
      const file = join(dir, 'accounts.json');
      await writeFile(file, JSON.stringify(demo));
      const server = run(['--port', '0', '--accounts', file]);
      try {
        const { url } = (await server.line((l) => l.msg === 'listening')) as { url: string };
        const login = (password: string) =>
          fetch(`${url}/api/etax-login/v1/flows/password`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'Etax-Request': '1' },
            body: JSON.stringify({ entry: 'individual', fields: { account: 'wangxiuying' }, password }),
          });
        assert.equal((await login('s3cret!Pass')).status, 201);
        assert.equal((await login('Etax@2024')).status, 401);
        server.child.kill('SIGTERM');
        assert.equal(await server.exited, 0);
        const out = server.output().stdout;
        assert.ok(!out.includes('s3cret!Pass'));
        assert.ok(out.includes('"msg":"stopped"'));
      } finally {
        server.child.kill('SIGKILL');
      }
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('names the instance in every answer, streams and WebSocket upgrades included (Etax-Instance)', async () => {
    assert.match((await readConfig([], {})).instanceId, new RegExp(`^${hostname()}:${process.pid}$`));
    assert.equal((await readConfig([], { ETAX_INSTANCE_ID: 'web-2' })).instanceId, 'web-2');
    await assert.rejects(readConfig(['--instance-id', 'web 2'], {}), /--instance-id/);
    const server = run(['--port', '0', '--instance-id', 'web-3']);
    try {
      const listening = (await server.line((l) => l.msg === 'listening')) as { url: string; instance: string };
      assert.equal(listening.instance, 'web-3');
      const { url } = listening;
      const created = await fetch(`${url}/api/etax-login/v1/flows/qr`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Etax-Request': '1' },
        body: '{}',
      });
      const flow = (await created.json()) as { flowId: string; flowToken: string };
      const events = await fetch(`${url}/api/etax-login/v1/flows/${flow.flowId}/events?token=${flow.flowToken}`);
      for (const r of [created, events, await fetch(`${url}/readyz`), await fetch(`${url}/nowhere`)]) {
        assert.equal(r.headers.get('etax-instance'), 'web-3', r.url);
        if (!r.bodyUsed) await r.body?.cancel();
      }
      const upgraded = await new Promise<string | undefined>((resolve, reject) => {
        const socket = new WebSocket(`${url.replace('http', 'ws')}/api/etax-login/v1/flows/${flow.flowId}/ws`);
        socket.once('upgrade', (r) => resolve(r.headers['etax-instance'] as string | undefined));
        socket.once('open', () => socket.close());
        socket.once('error', reject);
      });
      assert.equal(upgraded, 'web-3');
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it("has no development route: the demo's phone controls answer 404", async () => {
    const server = run(['--port', '0']);
    try {
      const { url } = (await server.line((l) => l.msg === 'listening')) as { url: string };
      for (const [method, path] of [
        ['GET', '/dev/demo/events'],
        ['POST', '/dev/demo/scan'],
        ['POST', '/dev/demo/confirm'],
      ]) {
        const r = await fetch(`${url}${path}`, { method, ...(method === 'POST' ? { body: '[]' } : {}) });
        assert.equal(r.status, 404, `${method} ${path}`);
        await r.body?.cancel();
      }
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });

  it('reads the app secrets from the environment or a file, never more than two, and guards the test outbox', async () => {
    const secret = 'a'.repeat(32);
    const previous = 'b'.repeat(40);
    assert.deepEqual((await readConfig([], {})).appSecrets, []);
    assert.deepEqual((await readConfig([], { ETAX_APP_SECRET: secret })).appSecrets, [secret]);
    assert.deepEqual(
      (await readConfig([], { ETAX_APP_SECRET: secret, ETAX_APP_SECRET_PREVIOUS: previous })).appSecrets,
      [secret, previous],
    );
    await assert.rejects(readConfig([], { ETAX_APP_SECRET_PREVIOUS: previous }), /needs ETAX_APP_SECRET/);
    await assert.rejects(readConfig([], { ETAX_APP_SECRET: 'short' }), /at least 32 characters/);
    const dir = await mkdtemp(join(tmpdir(), 'etax-secrets-'));
    try {
      const file = join(dir, 'secrets');
      await writeFile(file, `${secret}\n\n${previous}\n`);
      assert.deepEqual((await readConfig(['--app-secret-file', file], {})).appSecrets, [secret, previous]);
      await assert.rejects(readConfig(['--app-secret-file', file], { ETAX_APP_SECRET: secret }), /not both/);
      await writeFile(file, `${secret}\n${previous}\n${'c'.repeat(32)}\n`);
      await assert.rejects(readConfig(['--app-secret-file', file], {}), /at most 2 app secrets/);
    } finally {
      await rm(dir, { recursive: true });
    }
    await assert.rejects(readConfig(['--test-outbox'], {}), /needs a secret/);
    await assert.rejects(
      readConfig(['--test-outbox'], { ETAX_APP_SECRET: secret, NODE_ENV: 'production' }),
      /NODE_ENV is production/,
    );
    assert.equal((await readConfig(['--test-outbox'], { ETAX_APP_SECRET: secret })).testOutbox, true);
    await assert.rejects(readConfig(['--app-base-path', '/api/etax-login/app'], {}), /apart from --base-path/);
    await assert.rejects(readConfig(['--app-base-path', 'app'], {}), /must start with \//);
  });

  it('logs an SMS code in development only: in production its log says a message was due, not the code', async () => {
    for (const production of [false, true]) {
      const server = run(['--port', '0'], { env: production ? { NODE_ENV: 'production' } : {} });
      try {
        const { url } = (await server.line((l) => l.msg === 'listening')) as { url: string };
        const post = (path: string, body: unknown, token?: string) =>
          fetch(`${url}/api/etax-login${path}`, {
            method: 'POST',
            headers: {
              'Content-Type': 'application/json',
              'Etax-Request': '1',
              ...(token ? { Authorization: `Bearer ${token}` } : {}),
            },
            body: JSON.stringify(body),
          });
        const login = { entry: 'individual', fields: { account: 'wangxiuying' }, password: 'Etax@2024' };
        const f = (await (await post('/v1/flows/password', login)).json()) as { flowId: string; flowToken: string };
        assert.equal((await post(`/v1/flows/${f.flowId}/sms`, {}, f.flowToken)).status, 200);
        const line = await server.line((l) => l.flowId === f.flowId && String(l.msg).includes('sms'));
        if (production) {
          assert.deepEqual([line.level, line.text], ['warn', undefined]);
          assert.doesNotMatch(server.output().stdout, /验证码\D*\d{6}/);
        } else {
          assert.match(String(line.text), /\d{6}/);
        }
        server.child.kill('SIGTERM');
        assert.equal(await server.exited, 0);
      } finally {
        server.child.kill('SIGKILL');
      }
    }
  });

  it('serves the app API at its base path with a secret from the environment, and none without', async () => {
    const secret = 'app-secret-for-the-command-test-0123456789';
    const server = run(['--port', '0', '--app-base-path', '/phone-api'], { env: { ETAX_APP_SECRET: secret } });
    const bare = run(['--port', '0']);
    try {
      const { url, appApi } = (await server.line((l) => l.msg === 'listening')) as { url: string; appApi: string };
      assert.equal(appApi, '/phone-api');
      const created = (await (
        await fetch(`${url}/api/etax-login/v1/flows/qr`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Etax-Request': '1' },
          body: '{}',
        })
      ).json()) as { state: { qr: { payload: string } } };
      const body = JSON.stringify({ account: 'wangxiuying', app: 'etax', payload: created.state.qr.payload });
      const timestamp = Math.floor(Date.now() / 1000);
      const scan = (base: string) =>
        fetch(`${base}/phone-api/v1/scan`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            [APP_TIMESTAMP]: String(timestamp),
            [APP_SIGNATURE]: signRequest(secret, { method: 'POST', path: '/phone-api/v1/scan', timestamp, body }),
          },
          body,
        });
      const answer = await scan(url);
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as { status: string }).status, 'qr_scanned');
      const other = (await bare.line((l) => l.msg === 'listening')) as { url: string; appApi: string };
      assert.match(other.appApi, /^off/);
      const none = await scan(other.url);
      assert.equal(none.status, 404);
      await none.body?.cancel();
      server.child.kill('SIGTERM');
      bare.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
      assert.ok(!server.output().stdout.includes(secret));
    } finally {
      server.child.kill('SIGKILL');
      bare.child.kill('SIGKILL');
    }
  });

  it('refuses an accounts file with a plain password', () => {
    assert.throws(
      () =>
        directoryOf({
          enterprises: [],
          accounts: [{ id: 'a', name: 'A', idNumber: '1', passwordHash: 'Etax@2024', links: [] }],
        }),
      /scrypt hash/,
    );
  });

  it('checks a password in the same work for an unknown account', async () => {
    const directory = directoryOf({
      enterprises: [],
      accounts: [
        { id: 'a', name: 'A', idNumber: '1', username: 'a', passwordHash: await hashPassword('pw'), links: [] },
      ],
    });
    const entry = { id: 'individual', fields: [{ name: 'account', kind: 'account' as const, required: true }] };
    const known = await directory.verify({ entry, fields: { account: 'a' }, password: 'pw' });
    assert.equal(known.result, 'accepted');
    const t = performance.now();
    const unknown = await directory.verify({ entry, fields: { account: 'nobody' }, password: 'pw' });
    assert.deepEqual(unknown, { result: 'rejected', subject: 'typed:nobody', registered: false });
    // An scrypt hash was computed for the unknown account too (milliseconds, not microseconds).
    assert.ok(performance.now() - t > 5);
  });
});
