// The per-account lock and the SMS cooldown hold when a person's requests
// alternate between instances (nginx's round-robin), checked by the instance
// named in each answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../cluster.js';
import { DEFAULT_PASSWORD, password, sendSms, stepUp } from './journeys.js';

let cluster: Cluster;

before(
  async () => {
    cluster = await startCluster({ instances: 2 });
  },
  { timeout: 60_000 },
);

after(() => cluster?.stop(), { timeout: 30_000 });

describe('limits across instances', () => {
  it(
    'counts wrong passwords on every instance into one lock, which every instance keeps',
    { timeout: 30_000 },
    async () => {
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await password(cluster, 'liufang', 'Wrong-123'));
      // The attempts went to both instances, and each counted the others' failures.
      assert.deepEqual(new Set(answers.map((a) => a.instance)), new Set(['i1', 'i2']));
      assert.deepEqual(
        answers.map((a) => [a.status, a.body.error.code, (a.body.error as { attemptsLeft?: number }).attemptsLeft]),
        [
          [401, 'invalid_credentials', 4],
          [401, 'invalid_credentials', 3],
          [401, 'invalid_credentials', 2],
          [401, 'invalid_credentials', 1],
          [423, 'account_locked', undefined],
        ],
      );
      // The right password is refused by each instance while the lock lasts.
      const refusedBy = new Set<string | null>();
      for (let i = 0; i < 4; i++) {
        const a = await password(cluster, 'liufang', DEFAULT_PASSWORD);
        assert.equal(a.status, 423);
        assert.equal(a.body.error.code, 'account_locked');
        assert.ok(Number(a.headers.get('retry-after')) > 1700, 'the lock lasts its 1800 s');
        refusedBy.add(a.instance);
      }
      assert.deepEqual(refusedBy, new Set(['i1', 'i2']));
    },
  );

  it('keeps the SMS cooldown when the second 获取验证码 lands on the other instance', { timeout: 30_000 }, async () => {
    const flow = await stepUp(cluster, 'wangxiuying');
    const sent = await sendSms(cluster, flow);
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    assert.equal(sent.body.resendAfter, 60);
    const againBy = new Set<string | null>();
    for (let i = 0; i < 4; i++) {
      const again = await sendSms(cluster, flow);
      assert.equal(again.status, 429);
      assert.equal(again.body.error.code, 'sms_throttled');
      const wait = Number(again.headers.get('retry-after'));
      assert.ok(wait > 50 && wait <= 60, `Retry-After ${wait}`);
      againBy.add(again.instance);
    }
    assert.ok(againBy.has(sent.instance) && againBy.size === 2, `answered by ${[...againBy]}`);
    assert.deepEqual(cluster.problems(), []);
  });
});
