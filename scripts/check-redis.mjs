// Stops `npm run test:node` at once, with one line, when no redis-server can be found:
// the Redis store's tests start their own (server/test/redis.ts).
import { spawnSync } from 'node:child_process';

const wanted = process.env.REDIS_SERVER ?? 'redis-server';
const r = spawnSync(wanted, ['--version'], { stdio: 'ignore' });
if (r.error || r.status !== 0) {
  const where = process.env.REDIS_SERVER ? `REDIS_SERVER=${process.env.REDIS_SERVER} does not run. ` : '';
  console.error(
    `${where}No redis-server found: install it (Debian/Ubuntu: sudo apt-get install redis-server) or set REDIS_SERVER to its executable.`,
  );
  process.exit(1);
}
