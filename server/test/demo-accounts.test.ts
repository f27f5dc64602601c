// The demo's people live in two places by design: the accounts file the server
// reads (scrypt hashes, as a deployment keeps them) and the in-page mock's
// fixture (plain passwords, which a page can check). They must be the same people.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { DEFAULT_FIXTURE } from '../../src/mock/fixtures.js';
import { DEMO_ACCOUNTS_FILE, checkPassword, type AccountsFile } from '../src/accounts.js';

describe('demo accounts', () => {
  it('are the in-page mock fixture’s people, each hash checking the fixture’s password', async () => {
    const file = JSON.parse(await readFile(DEMO_ACCOUNTS_FILE, 'utf8')) as AccountsFile;
    assert.deepEqual(file.enterprises, DEFAULT_FIXTURE.enterprises);
    assert.deepEqual(
      file.accounts.map(({ passwordHash: _, test: __, ...a }) => a),
      DEFAULT_FIXTURE.accounts.map(({ password: _, locked: __, ...a }) => a),
    );
    for (const [i, account] of file.accounts.entries()) {
      const password = DEFAULT_FIXTURE.accounts[i].password!;
      assert.ok(await checkPassword(account.passwordHash, password), `${account.id}: the hash checks the password`);
      assert.equal(await checkPassword(account.passwordHash, `${password}x`), false, `${account.id}: and nothing else`);
    }
  });
});
