/**
 * The people and enterprises the mock backend knows. Every taxpayer id is a
 * valid Unified Social Credit Code and every id number a valid resident ID
 * number, so the form's own check digits accept them. All names are invented.
 */
import { DEFAULT_ENTRIES } from '../client/entries.js';
import type { EntrySpec } from '../client/protocol.js';
import type { DirectoryAccount, DirectoryEnterprise, DirectoryLink } from '../engine/index.js';

/** An enterprise the mock knows: the engine's directory entry. */
export type MockEnterprise = DirectoryEnterprise;

/** A person's tie to an enterprise, in one or more capacities (`role` keys of `ROLE_LABELS`). */
export type MockLink = DirectoryLink;

/**
 * A person the mock knows: the engine's directory account (its `id` is the key the controls use,
 * `scan('iit', { account: 'liqiang' })`, `lockAccount('liqiang')`; without a `phone`, SMS is not
 * offered), and how it starts.
 */
export interface MockAccount extends DirectoryAccount {
  /** Locked from the start, for this many seconds (true: the default lock time). */
  locked?: boolean | number;
}

export interface MockFixture {
  enterprises: MockEnterprise[];
  accounts: MockAccount[];
}

/** Capacities a person may act in for an enterprise (身份类型), and how names and phones are masked: the engine's. */
export { ROLE_LABELS, maskName, maskPhone } from '../engine/index.js';

/** Password shared by every default account. */
export const DEFAULT_PASSWORD = 'Etax@2024';

export const DEFAULT_FIXTURE: MockFixture = {
  enterprises: [
    { taxpayerId: '91310110666007217T', name: '上海云杉示例科技有限公司' },
    { taxpayerId: '91310115591693856A', name: '上海浦江示例贸易有限公司' },
    { taxpayerId: '91420100MA4K2L7Q1C', name: '武汉江城示例餐饮有限公司' },
    {
      taxpayerId: '9144030071526726XG',
      name: '深圳鹏程示例税务师事务所有限公司',
      agency: true,
      clients: ['91310110666007217T', '91310115591693856A', '91420100MA4K2L7Q1C'],
    },
  ],
  accounts: [
    {
      // Enterprise login in one capacity: no identity choice.
      id: 'wangxiuying',
      name: '王秀英',
      idNumber: '11010519491231002X',
      phone: '17612342696',
      username: 'wangxiuying',
      password: DEFAULT_PASSWORD,
      links: [{ taxpayerId: '91310110666007217T', roles: ['tax_officer'] }],
    },
    {
      // Enterprise login in three capacities: 身份类型选择 after step-up.
      id: 'liqiang',
      name: '李强',
      idNumber: '321083197812162119',
      phone: '13851862119',
      username: 'liqiang',
      password: DEFAULT_PASSWORD,
      links: [{ taxpayerId: '91310115591693856A', roles: ['legal_representative', 'finance_manager', 'tax_officer'] }],
    },
    {
      // Agent of a tax agency: picks the client enterprise after step-up.
      id: 'zhaolei',
      name: '赵磊',
      idNumber: '150102198807303035',
      phone: '15904713035',
      username: 'zhaolei',
      password: DEFAULT_PASSWORD,
      links: [{ taxpayerId: '9144030071526726XG', roles: ['agent'] }],
    },
    {
      // Natural person with no enterprise and no bound phone: face recognition only.
      id: 'sunyue',
      name: '孙悦',
      idNumber: '33010619900101123X',
      username: 'sunyue',
      password: DEFAULT_PASSWORD,
      links: [],
    },
    {
      // Locked after too many wrong passwords.
      id: 'liufang',
      name: '刘芳',
      idNumber: '420106198503155820',
      phone: '18627155820',
      username: 'liufang',
      password: DEFAULT_PASSWORD,
      links: [{ taxpayerId: '91420100MA4K2L7Q1C', roles: ['finance_manager'] }],
      locked: true,
    },
  ],
};

/**
 * What the mock's account fields accept (居民身份证号码/手机号码/用户名): a username of 4–20
 * letters, digits or `_` starting with a letter, a mainland mobile number (with or without
 * +86), or a resident ID number of 15 or 18 characters.
 */
export const ACCOUNT_PATTERN = '[A-Za-z][A-Za-z0-9_]{3,19}|(\\+?86[ -]?)?1[3-9][0-9]{9}|[0-9]{15}|[0-9]{17}[0-9Xx]';

/**
 * The entries (登录入口) and their fields, as announced in the capabilities: the national
 * login's three, their account fields with the mock's `minLength` and `pattern`.
 */
export const ENTRIES: EntrySpec[] = DEFAULT_ENTRIES.map((e) => ({
  ...e,
  fields: e.fields.map((f) => (f.kind === 'account' ? { ...f, minLength: 4, pattern: ACCOUNT_PATTERN } : f)),
}));
