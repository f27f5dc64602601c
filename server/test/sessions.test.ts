// Session delivery by cookie: completion hands the page a one-time completion
// URL; following it sets a signed cookie once. The key is a secret from the
// environment or a file, never a flag.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FlowCreated } from '../../src/client/protocol.js';
import { Engine, MemoryDirectory, MemoryStore } from '../../src/engine/index.js';
import { DEFAULT_FIXTURE } from '../../src/mock/fixtures.js';
import { startHost } from '../src/host.js';
import { CookieSessions } from '../src/sessions.js';

const BASE = '/api/etax-login';

/** A memory store that remembers every key and value written, to look for secrets in them. */
class RecordingStore extends MemoryStore {
  readonly written: string[] = [];
  override write(key: string, value: string, ttl: number): Promise<void> {
    this.written.push(key, value);
    return super.write(key, value, ttl);
  }
  override increment(key: string, ttl: number, by?: number): Promise<number> {
    this.written.push(key);
    return super.increment(key, ttl, by);
  }
}

describe('session delivery by cookie', () => {
  it('sets a signed HttpOnly cookie once, from the completion URL the login hands the page', async () => {
    const store = new RecordingStore();
    const key = randomBytes(32);
    const cookies = new CookieSessions({ store, key, home: '/portal/home' });
    const engine = new Engine({ accounts: new MemoryDirectory(DEFAULT_FIXTURE), store, sessions: cookies });
    const host = await startHost({
      engine,
      basePath: BASE,
      log: () => {},
      fallback: (r) =>
        new URL(r.url).pathname === cookies.completePath ? cookies.complete(r) : new Response(null, { status: 404 }),
    });
    try {
      const f = (await (
        await fetch(`${host.url}${BASE}/v1/flows/qr`, { method: 'POST', headers: { 'Etax-Request': '1' }, body: '{}' })
      ).json()) as FlowCreated;
      await engine.scan(f.flowId, 'etax', 'wangxiuying');
      const done = (await engine.confirm(f.flowId)) as { status: string; redirectUrl?: string; session?: unknown };
      assert.equal(done.status, 'authenticated');
      assert.equal(done.session, undefined);
      assert.match(done.redirectUrl!, /^\/session\/complete\?code=[\w-]{32}$/);
      // The store keeps the code's digest, never a code that works.
      const code = new URL(done.redirectUrl!, host.url).searchParams.get('code')!;
      assert.ok(store.written.length);
      assert.ok(!store.written.some((text) => text.includes(code)));

      const first = await fetch(`${host.url}${done.redirectUrl}`, { redirect: 'manual' });
      assert.equal(first.status, 303);
      assert.equal(first.headers.get('location'), '/portal/home');
      const cookie = first.headers.get('set-cookie')!;
      // __Host-: only this host, over HTTPS, for the whole site; out of scripts' reach; not sent by cross-site subrequests.
      assert.match(
        cookie,
        /^__Host-etax_session=[\w-]+\.[\w-]+; Path=\/; Max-Age=1800; HttpOnly; Secure; SameSite=Lax$/,
      );
      assert.ok(!/;\s*Domain=/i.test(cookie));
      const value = cookie.split(';')[0].split('=')[1];
      assert.deepEqual(
        { ...cookies.verify(value), exp: undefined },
        { sub: 'wangxiuying', way: 'qr', act: '91310110666007217T:tax_officer', exp: undefined },
      );
      // A tampered cookie is not ours.
      assert.equal(cookies.verify(`${value.split('.')[0]}x.${value.split('.')[1]}`), undefined);
      // The code works once.
      const again = await fetch(`${host.url}${done.redirectUrl}`, { redirect: 'manual' });
      assert.equal(again.status, 410);
      assert.equal(again.headers.get('set-cookie'), null);
    } finally {
      await host.close();
    }
  });

  it('refuses to start with cookies but no key, and takes the key from the environment only', async () => {
    // The command from its sources, as `npm run server` runs it.
    const hooks = fileURLToPath(new URL('../../scripts/ts-hooks.mjs', import.meta.url));
    const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', hooks, cli, ...args], { env: { ...process.env, ...env } });
        let out = '';
        let told = false;
        child.stdout.on('data', (d) => {
          out += String(d);
          if (!told && out.includes('"listening"')) told = child.kill('SIGTERM');
        });
        child.stderr.on('data', (d) => (out += String(d)));
        child.on('exit', (code) => resolve({ code: code ?? -1, out }));
      });
    const none = await run(['--port', '0', '--session', 'cookie']);
    assert.equal(none.code, 2);
    assert.match(none.out, /ETAX_SESSION_KEY/);
    const flag = await run(['--port', '0', '--session-key', 'abc']);
    assert.equal(flag.code, 2);
    assert.match(flag.out, /unknown option --session-key/);
    const key = randomBytes(32).toString('base64');
    const ok = await run(['--port', '0', '--session', 'cookie'], { ETAX_SESSION_KEY: key });
    assert.equal(ok.code, 0, ok.out);
    assert.ok(!ok.out.includes(key));
  });
});
