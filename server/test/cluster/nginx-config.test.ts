// The shipped deploy/nginx.conf is valid nginx, and includes the very routing
// rules the other cluster tests run in front of real instances; those rules
// resend a request an instance took but never answered.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findNginx, LOCATIONS, SHIPPED_CONF, startNginx } from '../nginx.js';

describe('deploy/nginx.conf', () => {
  it('passes `nginx -t` with its routing rules from deploy/etax-login-locations.conf', async () => {
    const shipped = await readFile(SHIPPED_CONF, 'utf8');
    assert.ok(shipped.includes('include /etc/nginx/etax-login-locations.conf;'));
    const rules = await readFile(LOCATIONS, 'utf8');
    assert.doesNotMatch(rules + shipped, /^\s*(ip_hash|hash|sticky)\b/m, 'plain round-robin');
    const dir = await mkdtemp(join(tmpdir(), 'etax-nginx-t-'));
    try {
      // The same file, with the paths an operator has in /etc and /var moved into the test's directory.
      const conf = shipped
        .replace('/etc/nginx/etax-login-locations.conf', LOCATIONS)
        .replace('/run/nginx.pid', join(dir, 'nginx.pid'))
        .replaceAll('/var/log/nginx/', `${dir}/`);
      await writeFile(join(dir, 'nginx.conf'), conf);
      const r = spawnSync(findNginx()!, ['-t', '-q', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/etax-login-locations.conf', () => {
  it('passes a POST that an instance took but never answered (its connection reset) to the next instance', async () => {
    // One instance as a stopping one is to a request still in its port's queue: it takes
    // the connection, reads the request and resets it. The other answers.
    const resets: string[] = [];
    const stopping = createNetServer((socket) =>
      socket.once('data', (d) => {
        resets.push(String(d).split('\r\n')[0]);
        socket.resetAndDestroy();
      }),
    );
    const answering = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(201, { 'Content-Type': 'application/json' }).end('{}'));
    });
    const listen = (s: NetServer) =>
      new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
    const root = await mkdtemp(join(tmpdir(), 'etax-nginx-root-'));
    const nginx = await startNginx({
      upstreams: [`127.0.0.1:${await listen(stopping)}`, `127.0.0.1:${await listen(answering)}`],
      root,
    });
    try {
      for (const path of ['/api/etax-login/v1/flows/qr', '/app-api/v1/scan']) {
        for (let i = 0; i < 2; i++) {
          const r = await fetch(`${nginx.url}${path}`, { method: 'POST', body: '{}' });
          assert.equal(r.status, 201, `${path}: ${await r.text()}`);
        }
      }
      assert.ok(
        resets.some((l) => l.startsWith('POST ')),
        'the stopping instance was tried',
      );
      // nginx says it met the reset, and took that instance out for a while: nothing else.
      for (const line of nginx.stderr().trim().split('\n').filter(Boolean)) {
        assert.match(line, /Connection reset by peer|upstream server temporarily disabled/);
      }
    } finally {
      await nginx.stop();
      stopping.close();
      answering.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
