// The operator's unlock, as an operator runs it: a server process on a real
// redis-server locks an account after wrong passwords; `etax-login-server
// unlock --account ID`, another process on the same Redis, lifts the lock, and
// the audit log says so. With the memory store it refuses, and says why; a
// server whose audit log cannot be written does not start.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PASSWORD } from '../../src/mock/fixtures.js';
import type { AuditRecord } from '../src/audit.js';
import { startRedis, type RunningRedis } from './redis.js';
import { startServer, type ServerProcess } from './server-process.js';

const BASE = '/api/etax-login';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run server -- <args>`, as a command of its own: its exit code and what it wrote. */
function command(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', './scripts/ts-hooks.mjs', 'server/src/cli.ts', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('etax-login-server unlock', () => {
  let redis: RunningRedis;
  let server: ServerProcess;
  let dir: string;
  let auditFile: string;
  before(async () => {
    redis = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'etax-unlock-'));
    auditFile = join(dir, 'audit.jsonl');
    server = await startServer(['--redis', redis.url, '--audit-log', auditFile, '--instance-id', 'web-1']);
  });
  after(async () => {
    await server?.stop();
    await redis?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const login = (password: string) =>
    fetch(`${server.url}${BASE}/v1/flows/password`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Etax-Request': '1' },
      body: JSON.stringify({ entry: 'individual', fields: { account: 'liqiang' }, password }),
    });

  it('lifts the lock a running server set, through Redis, and records it in the audit log', async () => {
    for (let i = 0; i < 4; i++) assert.equal((await login('wrong')).status, 401);
    assert.equal((await login('wrong')).status, 423);
    assert.equal((await login(DEFAULT_PASSWORD)).status, 423, 'locked: even the right password is refused');

    const run = await command(['unlock', '--account', 'liqiang', '--redis', redis.url, '--audit-log', auditFile]);
    assert.equal(run.code, 0, run.err);
    assert.match(run.err, /liqiang unlocked/);

    assert.equal((await login(DEFAULT_PASSWORD)).status, 201);
    await server.stop();
    const records = (await readFile(auditFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    const unlock = records.find((r) => r.event === 'unlock');
    assert.deepEqual(
      { event: unlock?.event, result: unlock?.result, account: unlock?.account },
      { event: 'unlock', result: 'unlocked', account: 'liqiang' },
    );
    assert.ok(unlock?.operator);
    // The server's own records of the lock, by its instance id, come before it.
    const locked = records.findIndex((r) => r.account === 'liqiang' && r.locked && r.instance === 'web-1');
    assert.ok(locked >= 0 && locked < records.indexOf(unlock!));
    assert.equal(records.at(-1)?.result, 'password_ok');
  });

  it('refuses without Redis, and an account that does not exist', async () => {
    const memory = await command(['unlock', '--account', 'liqiang', '--audit-log', auditFile]);
    assert.equal(memory.code, 2);
    assert.match(memory.err, /memory store/);
    assert.match(memory.err, /--redis/);
    const unknown = await command([
      'unlock',
      '--account',
      'nosuchperson',
      '--redis',
      redis.url,
      '--audit-log',
      auditFile,
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /no account "nosuchperson"/);
    const none = await command(['unlock']);
    assert.equal(none.code, 2);
    assert.match(none.err, /--account ID/);
  });
});

describe('the audit log file', () => {
  it('stops the server at start when it cannot be written, naming it', async () => {
    const run = await command(['--port', '0', '--audit-log', '/nonexistent-dir/audit.jsonl']);
    assert.equal(run.code, 2);
    assert.match(run.err, /--audit-log: .*\/nonexistent-dir\/audit\.jsonl/);
  });
});
