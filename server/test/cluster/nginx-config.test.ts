// The shipped deploy/nginx.conf is valid nginx, and includes the very routing
// rules the other cluster tests run in front of real instances.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { findNginx, LOCATIONS, SHIPPED_CONF } from '../nginx.js';

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
