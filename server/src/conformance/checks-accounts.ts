/**
 * Checks with the target's test accounts and no phone: password logins per
 * entry, their errors, identical answers for unknown accounts, and locks
 * (only on accounts marked `lockable`, and on typed names that no account has).
 */
import type { Check } from './checks.js';
import { clip, expect, expectError, fail, retryAfterOf, Skip, type Answer, type Created, type Kit } from './kit.js';
import { labelOf, type TargetAccount } from './target.js';

const accountsOf = (kit: Kit) => kit.options.target?.accounts ?? [];

/** The name of the entry's field that holds the account (kind `account`, else the last). */
async function accountField(kit: Kit, entry: string): Promise<string> {
  const entries = (await kit.caps()).entries as { id: string; fields: { name: string; kind: string }[] }[];
  const spec = entries.find((e) => e.id === entry);
  if (!spec) return fail(`the target names entry "${entry}", which the capabilities do not offer`);
  return (spec.fields.find((f) => f.kind === 'account') ?? spec.fields.at(-1))!.name;
}

/** A typed account name no one has: the account's fields with the account replaced. */
export async function unknownLike(kit: Kit, a: TargetAccount): Promise<Record<string, string>> {
  const field = await accountField(kit, a.entry);
  return { ...a.fields, [field]: `kit${Math.random().toString(36).slice(2, 10)}` };
}

export function passwordLogin(
  kit: Kit,
  a: TargetAccount,
  o: { password?: string; fields?: Record<string, string> } = {},
) {
  return kit.request('POST', '/v1/flows/password', {
    json: { entry: a.entry, fields: o.fields ?? a.fields, password: o.password ?? a.password },
  });
}

/** Logs in with the account's password: the flow in `step_up_required`. */
export async function loginOf(kit: Kit, a: TargetAccount): Promise<Created> {
  const answer = await passwordLogin(kit, a);
  if (answer.status === 423) {
    return fail(
      `${labelOf(a)}: the password answered 423 ${clip(answer.text, 120)} — locked (by an earlier run? give the server shorter locks)`,
    );
  }
  return kit.created(answer, `the password of ${labelOf(a)}`);
}

const WRONG = 'Kit-wrong-password-1';

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

export const ACCOUNT_CHECKS: Check[] = [
  {
    section: '§7.2 Password: the second factor',
    name: 'the password of every test account opens a flow in step_up_required with its methods, never authenticated',
    needs: 'accounts',
    async run(kit) {
      const caps = await kit.caps();
      const offered = (caps.stepUp as { methods: string[] }).methods;
      const lines: string[] = [];
      for (const a of accountsOf(kit)) {
        const flow = await loginOf(kit, a);
        const s = flow.state;
        expect(s.status === 'step_up_required', `${labelOf(a)}: the password alone led to ${s.status}`);
        const methods = s.methods as string[];
        expect(Array.isArray(methods) && methods.length > 0, `${labelOf(a)}: no methods`);
        for (const m of methods) expect(offered.includes(m), `${labelOf(a)}: method ${m} not in stepUp.methods`);
        for (const m of a.face ?? []) {
          if (offered.includes(m)) expect(methods.includes(m), `${labelOf(a)}: ${m} not offered`);
        }
        if (a.sms) {
          expect(methods.includes('sms'), `${labelOf(a)}: sms not offered (a bound phone, per the target)`);
          expect(
            typeof s.maskedPhone === 'string' && /\*/.test(s.maskedPhone) && !/\d{7}/.test(s.maskedPhone),
            `${labelOf(a)}: maskedPhone ${JSON.stringify(s.maskedPhone)} is not masked`,
          );
        }
        lines.push(`${labelOf(a)}: ${methods.join('/')}`);
        expect((await kit.cancel(flow)).status === 204, 'DELETE of the password flow did not answer 204');
      }
      return lines.join('; ');
    },
  },
  {
    section: '§7.3 Password errors',
    name: 'a wrong password and an unknown account get one answer: 401 invalid_credentials, same message, same members, comparable time',
    needs: 'accounts',
    async run(kit) {
      const a = accountsOf(kit)[0];
      const fields = await unknownLike(kit, a);
      const wrong: Answer[] = [];
      const unknown: Answer[] = [];
      for (let i = 0; i < 3; i++) {
        wrong.push(await passwordLogin(kit, a, { password: WRONG }));
        unknown.push(await passwordLogin(kit, a, { password: WRONG, fields }));
      }
      // The right password clears the count of wrong ones.
      const flow = await loginOf(kit, a);
      await kit.cancel(flow);
      const ew = wrong.map((w, i) => expectError(w, 401, 'invalid_credentials', `wrong password ${i + 1}`));
      const eu = unknown.map((u, i) => {
        if (u.status === 404) {
          const e = expectError(u, 404, 'not_registered', `unknown account ${i + 1}`);
          return e;
        }
        return expectError(u, 401, 'invalid_credentials', `unknown account ${i + 1}`);
      });
      if (eu[0].code === 'not_registered') return 'the server reveals unknown accounts (not_registered, §7.3 optional)';
      expect(ew[0].message === eu[0].message, `messages differ: "${ew[0].message}" / "${eu[0].message}"`);
      expect(
        JSON.stringify(Object.keys(ew[0]).sort()) === JSON.stringify(Object.keys(eu[0]).sort()),
        `members differ: ${Object.keys(ew[0])} / ${Object.keys(eu[0])}`,
      );
      if (ew[0].attemptsLeft !== undefined) {
        expect(
          (ew[1].attemptsLeft as number) === (ew[0].attemptsLeft as number) - 1,
          `attemptsLeft ${ew[0].attemptsLeft} then ${ew[1].attemptsLeft} for wrong passwords`,
        );
        expect(
          (eu[1].attemptsLeft as number) === (eu[0].attemptsLeft as number) - 1,
          `attemptsLeft ${eu[0].attemptsLeft} then ${eu[1].attemptsLeft} for an unknown name (it must count alike, §7.3)`,
        );
      }
      const tw = median(wrong.map((w) => w.ms));
      const tu = median(unknown.map((u) => u.ms));
      expect(
        !(tw > 20 && tu < tw / 4),
        `an unknown account answers in ${Math.round(tu)} ms, a wrong password in ${Math.round(tw)} ms`,
      );
      return `${ew[0].attemptsLeft === undefined ? 'no attemptsLeft' : `attemptsLeft ${ew[0].attemptsLeft}, ${ew[1].attemptsLeft}`}; ${Math.round(tw)} ms / ${Math.round(tu)} ms`;
    },
  },
  {
    section: '§7.3 Password errors',
    name: 'a taxpayer id that names no enterprise answers 400 invalid_taxpayer_id with field',
    needs: 'accounts',
    async run(kit) {
      const entries = (await kit.caps()).entries as { id: string; fields: { name: string; kind: string }[] }[];
      const a = accountsOf(kit).find((x) =>
        entries.find((e) => e.id === x.entry)?.fields.some((f) => f.kind === 'taxpayer-id'),
      );
      if (!a) throw new Skip('no test account on an entry with a taxpayer id');
      const field = entries.find((e) => e.id === a.entry)!.fields.find((f) => f.kind === 'taxpayer-id')!.name;
      // Well-formed (18 characters, valid check symbol) but no enterprise has it.
      const e = expectError(
        await passwordLogin(kit, a, { fields: { ...a.fields, [field]: '91110000000000000A' } }),
        400,
        'invalid_taxpayer_id',
        'an unknown taxpayer id',
      );
      expect(e.field === field, `field ${JSON.stringify(e.field)}, not ${field}`);
    },
  },
];

/**
 * Run after the journeys: they lock. A typed name no account has locks like an
 * account (§7.3); accounts are locked only when the target marks them `lockable`.
 */
export const LOCK_CHECKS: Check[] = [
  {
    section: '§15.4 Lockout',
    name: 'wrong passwords count down attemptsLeft, then 423 account_locked with Retry-After, for an account and for an unknown name alike',
    needs: 'accounts',
    async run(kit) {
      const any = accountsOf(kit)[0];
      const lockable = accountsOf(kit).find((a) => a.lockable);
      const subjects: [string, TargetAccount, Record<string, string>][] = [
        ['an unknown name', any, await unknownLike(kit, any)],
      ];
      if (lockable) subjects.push([labelOf(lockable), lockable, lockable.fields]);
      const lines: string[] = [];
      for (const [what, a, fields] of subjects) {
        let last: Answer | undefined;
        let previous: number | undefined;
        for (let i = 1; i <= 20; i++) {
          last = await passwordLogin(kit, a, { password: WRONG, fields });
          if (last.status === 423) break;
          const e = expectError(last, 401, 'invalid_credentials', `${what}: wrong password ${i}`);
          if (e.attemptsLeft !== undefined) {
            if (previous !== undefined) {
              expect(e.attemptsLeft === previous - 1, `${what}: attemptsLeft ${previous} then ${e.attemptsLeft}`);
            }
            previous = e.attemptsLeft as number;
          }
        }
        expect(last?.status === 423, `${what}: 20 wrong passwords, no lock`);
        expectError(last, 423, 'account_locked', `${what}: the lock`);
        const wait = retryAfterOf(last, `${what}: the lock`);
        if (previous !== undefined) expect(previous === 1, `${what}: locked while attemptsLeft was ${previous}`);
        const right = await passwordLogin(kit, a, { fields });
        expectError(right, 423, 'account_locked', `${what}: the right password while locked`);
        lines.push(`${what}: locked for ${wait} s`);
      }
      if (!lockable) lines.push('no lockable test account: only a typed name was locked');
      return lines.join('; ');
    },
  },
];
