/**
 * Password logins of the mock backend's fixture accounts (src/mock/fixtures.ts),
 * as `client.submitPassword()` takes them.
 */
import type { PasswordInput } from '../src/client/client.js';
import { DEFAULT_PASSWORD } from '../src/mock/index.js';

export const LOGINS = {
  // One capacity, bound phone: all three methods.
  wangxiuying: {
    entry: 'enterprise',
    fields: { taxpayerId: '91310110666007217T', account: 'wangxiuying' },
    password: DEFAULT_PASSWORD,
  },
  // Three capacities: 身份类型选择 after step-up.
  liqiang: {
    entry: 'enterprise',
    fields: { taxpayerId: '91310115591693856A', account: 'liqiang' },
    password: DEFAULT_PASSWORD,
  },
  // An agent of a tax agency: chooses the client enterprise after step-up.
  zhaolei: {
    entry: 'agent',
    fields: { taxpayerId: '9144030071526726XG', account: 'zhaolei' },
    password: DEFAULT_PASSWORD,
  },
  // No bound phone: no SMS.
  sunyue: { entry: 'individual', fields: { account: 'sunyue' }, password: DEFAULT_PASSWORD },
} satisfies Record<string, PasswordInput>;
