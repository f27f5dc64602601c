/**
 * The account directory of the reference server: a JSON file of accounts
 * whose passwords are stored as scrypt hashes (`scrypt$N$r$p$salt$hash`,
 * base64), checked with Node's `crypto.scrypt` in constant time. An unknown
 * account costs the same hash as a known one.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import {
  MemoryDirectory,
  type DirectoryAccount,
  type DirectoryData,
  type DirectoryEnterprise,
} from '../../src/engine/index.js';

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, length, options, (e, key) => (e ? reject(e) : resolve(key))),
  );

const COST = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;
/** What a password is compared with when the account does not exist, or its hash is unreadable. */
const DUMMY = { ...COST, salt: Buffer.alloc(16), hash: Buffer.alloc(KEY_LENGTH) };

/** A stored hash of a password, for the accounts file. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, KEY_LENGTH, { ...COST, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `password` matches a stored hash; a malformed hash matches nothing (after the same work). */
export async function checkPassword(stored: string, password: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  const spec = m
    ? {
        N: Number(m[1]),
        r: Number(m[2]),
        p: Number(m[3]),
        salt: Buffer.from(m[4], 'base64'),
        hash: Buffer.from(m[5], 'base64'),
      }
    : DUMMY;
  const key = await scrypt(password, spec.salt, spec.hash.length || KEY_LENGTH, {
    N: spec.N,
    r: spec.r,
    p: spec.p,
    maxmem: 256 * 1024 * 1024,
  });
  return !!m && key.length === spec.hash.length && timingSafeEqual(key, spec.hash);
}

/** An account as the file holds it: the directory's fields, with `passwordHash` for `password`. */
export interface StoredAccount extends Omit<DirectoryAccount, 'password'> {
  passwordHash: string;
}

export interface AccountsFile {
  enterprises: DirectoryEnterprise[];
  accounts: StoredAccount[];
}

/**
 * The demo accounts (`server/demo-accounts.json`, shipped with the package): the
 * server's accounts without `--accounts`, and the demo server's. The same people
 * as the in-page mock's fixture, with scrypt hashes of the demo password.
 */
export const DEMO_ACCOUNTS_FILE = fileURLToPath(new URL('../demo-accounts.json', import.meta.url));

/** Reads and checks an accounts file; throws a message naming what is wrong. */
export async function loadAccounts(file: string): Promise<MemoryDirectory> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`accounts file ${file}: ${(e as Error).message}`, { cause: e });
  }
  return directoryOf(parsed, file);
}

export function directoryOf(parsed: unknown, source = 'accounts'): MemoryDirectory {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}`);
  };
  const data = parsed as Partial<AccountsFile>;
  if (!data || !Array.isArray(data.enterprises) || !Array.isArray(data.accounts)) {
    fail('expected { "enterprises": [...], "accounts": [...] }');
  }
  const ids = new Set<string>();
  for (const [i, a] of data.accounts!.entries()) {
    if (!a || typeof a.id !== 'string' || !a.id) fail(`accounts[${i}].id is missing`);
    if (ids.has(a.id)) fail(`accounts[${i}].id "${a.id}" is used twice`);
    ids.add(a.id);
    if (typeof a.name !== 'string' || typeof a.idNumber !== 'string') fail(`accounts[${i}] needs name and idNumber`);
    if (typeof a.passwordHash !== 'string' || !a.passwordHash.startsWith('scrypt$')) {
      fail(`accounts[${i}].passwordHash must be an scrypt hash (etax-login-server hash-password)`);
    }
    if (!Array.isArray(a.links)) fail(`accounts[${i}].links must be a list`);
    if (a.test !== undefined && typeof a.test !== 'boolean') fail(`accounts[${i}].test must be true or false`);
  }
  for (const [i, e] of data.enterprises!.entries()) {
    if (!e || typeof e.taxpayerId !== 'string' || typeof e.name !== 'string') {
      fail(`enterprises[${i}] needs taxpayerId and name`);
    }
  }
  const directory: DirectoryData = {
    enterprises: data.enterprises!,
    accounts: data.accounts!.map(({ passwordHash, ...a }) => ({ ...a, password: passwordHash })),
  };
  return new MemoryDirectory(directory, { checkPassword: (a, password) => checkPassword(a.password, password) });
}
