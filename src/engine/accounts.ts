/**
 * The account directory: who may log in, through which entry, in which
 * capacities, with which phone. The engine asks it two questions and never
 * sees a password hash. `MemoryDirectory` answers them from a list of
 * accounts; a deployment plugs in its own user store behind the same interface.
 */
import type { EntrySpec, Identity, LocalizedText } from '../client/protocol.js';
import { sameText } from './secrets.js';

/** A person as the engine needs to know them. */
export interface Person {
  /** Stable account id: locks, sessions and logs name the person by it. */
  id: string;
  name: string;
  /** Bound mobile number; without one, SMS is not offered. Never sent to the page unmasked. */
  phone?: string;
}

/** Who the person may act as once authenticated, and why the page asks (§9). */
export interface IdentityOffer {
  reason: 'capacity' | 'client';
  identities: Identity[];
}

export type PasswordVerdict =
  /** The taxpayer id names no enterprise, or one that does not fit the entry. */
  | { result: 'invalid_taxpayer_id'; field: string }
  /**
   * Wrong password, unknown account, or an account not linked to the enterprise.
   * `subject` is what failures are counted and locks set on: the account when
   * there is one (`account:<id>`), else the typed name, so that unknown names
   * lock alike (§7.3). `registered` tells whether the account exists, for
   * deployments that reveal it.
   */
  | { result: 'rejected'; subject: string; registered: boolean }
  | { result: 'accepted'; subject: string; person: Person; taxpayerId?: string; offer?: IdentityOffer };

export interface PasswordLogin {
  entry: EntrySpec;
  /** The entry's fields by name, trimmed; taxpayer ids upper-cased and well-formed. */
  fields: Record<string, string>;
  password: string;
}

export interface AccountDirectory {
  /**
   * Checks a password login. An implementation SHOULD take the same time for
   * an unknown account as for a wrong password (hash a dummy).
   */
  verify(login: PasswordLogin): Promise<PasswordVerdict>;
  /** The person an app is signed in to (QR login), with the capacities a QR login offers. */
  find(accountId: string): Promise<{ person: Person; offer?: IdentityOffer } | undefined>;
}

/* ------------------------------------------------------- a list of accounts */

export interface DirectoryEnterprise {
  /** Unified Social Credit Code (or older taxpayer id). */
  taxpayerId: string;
  name: string;
  /** A tax agency: its agents log in through the 代理业务 entry. */
  agency?: boolean;
  /** Taxpayer ids of the enterprises an agency acts for. */
  clients?: string[];
}

export interface DirectoryLink {
  taxpayerId: string;
  /** Capacities (`role` keys of `ROLE_LABELS`); `agent` for an agency's agents. */
  roles: string[];
}

export interface DirectoryAccount {
  id: string;
  name: string;
  /** Resident ID number (居民身份证号码). */
  idNumber: string;
  phone?: string;
  username?: string;
  /** What `checkPassword` compares with: the password itself by default, a hash for real directories. */
  password: string;
  links: DirectoryLink[];
  /**
   * A test account: on a test deployment (`--test-outbox`), the SMS sent to its
   * phone can be read through the app API. Never set on a real person's account.
   */
  test?: boolean;
}

export interface DirectoryData {
  enterprises: DirectoryEnterprise[];
  accounts: DirectoryAccount[];
}

/** Capacities a person may act in for an enterprise (身份类型). */
export const ROLE_LABELS: Record<string, LocalizedText> = {
  legal_representative: { 'zh-CN': '法定代表人', en: 'Legal representative' },
  finance_manager: { 'zh-CN': '财务负责人', en: 'Finance manager' },
  tax_officer: { 'zh-CN': '办税员', en: 'Tax officer' },
  admin: { 'zh-CN': '管理员', en: 'Administrator' },
  social_insurance_clerk: { 'zh-CN': '社保经办人', en: 'Social insurance clerk' },
  invoice_clerk: { 'zh-CN': '开票员', en: 'Invoice clerk' },
  sales: { 'zh-CN': '销售人员', en: 'Sales staff' },
  agent: { 'zh-CN': '涉税专业服务人员', en: 'Tax agent' },
};

export interface MemoryDirectoryOptions {
  /**
   * Whether `password` is the account's: plain comparison (in constant time) by
   * default, for demos; the Node server passes an scrypt check of a stored hash.
   */
  checkPassword?: (account: DirectoryAccount, password: string) => Promise<boolean>;
}

/** A directory over a list of accounts and enterprises (the demo's, or a JSON file's). */
export class MemoryDirectory implements AccountDirectory {
  private readonly checkPassword: (account: DirectoryAccount, password: string) => Promise<boolean>;

  constructor(
    readonly data: DirectoryData,
    options: MemoryDirectoryOptions = {},
  ) {
    this.checkPassword = options.checkPassword ?? (async (a, password) => sameText(a.password, password));
  }

  async verify({ entry, fields, password }: PasswordLogin): Promise<PasswordVerdict> {
    let enterprise: DirectoryEnterprise | undefined;
    const taxpayerField = entry.fields.find((f) => f.kind === 'taxpayer-id');
    if (taxpayerField) {
      enterprise = this.enterprise(fields[taxpayerField.name]);
      if (!enterprise || !!enterprise.agency !== (entry.id === 'agent')) {
        return { result: 'invalid_taxpayer_id', field: taxpayerField.name };
      }
    }
    const accountField = entry.fields.find((f) => f.kind === 'account') ?? entry.fields[0];
    const typed = fields[accountField.name] ?? '';
    const account = this.findAccount(typed);
    const subject = account ? `account:${account.id}` : `typed:${typed.toLowerCase()}`;
    // The password is checked for unknown accounts too (against a dummy), so both take as long.
    const right = await this.checkPassword(account ?? DUMMY, password);
    const linked =
      !enterprise ||
      !!account?.links.some(
        (l) => l.taxpayerId === enterprise.taxpayerId && l.roles.some((r) => (r === 'agent') === !!enterprise.agency),
      );
    if (!account || !right || !linked) return { result: 'rejected', subject, registered: !!account };
    const offer: IdentityOffer | undefined = enterprise?.agency
      ? { reason: 'client', identities: this.clients(enterprise) }
      : enterprise
        ? { reason: 'capacity', identities: this.capacities(account, enterprise.taxpayerId) }
        : undefined;
    return {
      result: 'accepted',
      subject,
      person: personOf(account),
      ...(enterprise ? { taxpayerId: enterprise.taxpayerId } : {}),
      ...(offer ? { offer } : {}),
    };
  }

  async find(accountId: string): Promise<{ person: Person; offer?: IdentityOffer } | undefined> {
    const account = this.data.accounts.find((a) => a.id === accountId);
    if (!account) return undefined;
    return { person: personOf(account), offer: { reason: 'capacity', identities: this.capacities(account) } };
  }

  enterprise(taxpayerId: string | undefined): DirectoryEnterprise | undefined {
    return this.data.enterprises.find((e) => e.taxpayerId === taxpayerId);
  }

  /** The account an ID number, mobile number or user name names. */
  findAccount(value: string): DirectoryAccount | undefined {
    const v = value.trim();
    const phone = v.replace(/[\s-]/g, '').replace(/^\+?86/, '');
    return this.data.accounts.find(
      (a) =>
        a.idNumber === v.toUpperCase() ||
        (!!a.phone && a.phone === phone) ||
        (!!a.username && a.username.toLowerCase() === v.toLowerCase()),
    );
  }

  /** Capacities in which a person acts for enterprises (all of them, or one). */
  capacities(account: DirectoryAccount, taxpayerId?: string): Identity[] {
    return account.links
      .filter((l) => !taxpayerId || l.taxpayerId === taxpayerId)
      .flatMap((l) =>
        l.roles
          .filter((r) => r !== 'agent')
          .map((role) => ({
            id: `${l.taxpayerId}:${role}`,
            name: this.enterprise(l.taxpayerId)?.name ?? l.taxpayerId,
            role,
            ...(ROLE_LABELS[role] ? { roleLabel: { ...ROLE_LABELS[role] } } : {}),
            taxpayerId: l.taxpayerId,
          })),
      );
  }

  private clients(agency: DirectoryEnterprise): Identity[] {
    return (agency.clients ?? []).map((t) => ({
      id: `client:${t}`,
      name: this.enterprise(t)?.name ?? t,
      taxpayerId: t,
    }));
  }
}

const DUMMY: DirectoryAccount = { id: '', name: '', idNumber: '', password: '\u0000', links: [] };

const personOf = (a: DirectoryAccount): Person => ({
  id: a.id,
  name: a.name,
  ...(a.phone ? { phone: a.phone } : {}),
});

/** `*强`, `**英`: a name as the portals show it, every character but the last hidden (§10). */
export const maskName = (name: string): string => {
  const chars = [...name];
  return chars.length < 2 ? '*' : '*'.repeat(chars.length - 1) + chars[chars.length - 1];
};

/** `176****2696`: the first three and last four digits of a mainland mobile number. */
export const maskPhone = (phone: string): string => {
  const digits = phone.replace(/^\+?86/, '').replace(/\D/g, '');
  return digits.length < 7 ? '****' : `${digits.slice(0, 3)}****${digits.slice(-4)}`;
};
