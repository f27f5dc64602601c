/**
 * `etax-login/validators`: checks for what people type into a tax portal login
 * form. Pure functions, no DOM, no dependencies; import only what you use.
 *
 * Every validator takes the raw input and returns a {@link Result}:
 *
 * ```js
 * validateUscc(' 91310110666007217t ');
 * // { ok: true, value: '91310110666007217T' }
 * validateUscc('91310110666007217A');
 * // { ok: true, value: '91310110666007217A', warning: 'checksum' }
 * validateMobile('+86 138-1234-5678');
 * // { ok: true, value: '13812345678' }
 * validateAccount('zhang_san');
 * // { ok: true, value: 'zhang_san', kind: 'username' }
 * validateSmsCode('12 34 56');
 * // { ok: true, value: '123456' }
 * ```
 *
 * `value` is the normalised input, ready to send. `reason` and `warning` are
 * stable codes for the UI to turn into its own words; they are not messages.
 */

/**
 * Why an input was refused.
 * - `empty`: nothing but blanks.
 * - `charset`: a character that cannot appear in this kind of value.
 * - `length`: the right characters, but not the right number of them.
 * - `checksum`: the check character does not match (resident ID numbers).
 * - `date`: the birth date in a resident ID number is not a real date, lies in
 *   the future or before 1900.
 * - `prefix`: not a mainland mobile number (must start with 13–19).
 */
export type Reason = 'empty' | 'charset' | 'length' | 'checksum' | 'date' | 'prefix';

/**
 * Why an accepted input still deserves a hint.
 * - `checksum`: a Unified Social Credit Code whose check symbol does not match;
 *   some codes from early pilot regions are like that, so it is not blocked.
 * - `legacy`: a 15-digit resident ID number from before 1999.
 */
export type Warning = 'checksum' | 'legacy';

/** What an account field holds. */
export type AccountKind = 'id-number' | 'mobile' | 'username';

/**
 * What a taxpayer identification field holds: a Unified Social Credit Code, a
 * number built on a resident ID number, or an older 15/17/20-character number.
 */
export type TaxpayerIdKind = 'uscc' | 'id-number' | 'legacy';

/** An accepted input. Validators that classify their input also say `kind`. */
export type Valid<K extends string = never> = { ok: true; value: string; warning?: Warning } & ([K] extends [never]
  ? unknown
  : { kind: K });

/** A refused input; `kind` is set when the input could be classified. */
export interface Invalid<K extends string = never> {
  ok: false;
  reason: Reason;
  kind?: K;
}

/** The result of every validator in this module. */
export type Result<K extends string = never> = Valid<K> | Invalid<K>;

const fail = (reason: Reason): Invalid => ({ ok: false, reason });

/**
 * Turns full-width letters, digits and punctuation (typed with a Chinese input
 * method) and the ideographic space into their ASCII forms (Unicode NFKC).
 */
export const toHalfWidth = (input: string): string => input.normalize('NFKC');

/** {@link toHalfWidth}, then removes all whitespace, inside and around. */
export const compact = (input: string): string => toHalfWidth(input).replace(/\s+/g, '');

/** {@link compact}, then uppercases: for codes whose letters are case-insensitive. */
export const normalizeCode = (input: string): string => compact(input).toUpperCase();

/** The 31 symbols of a Unified Social Credit Code, in value order (no I, O, S, V, Z). */
export const USCC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/**
 * The check symbol of a Unified Social Credit Code (GB 32100-2015) for its
 * first 17 characters, which must come from {@link USCC_ALPHABET}.
 */
export function usccCheckChar(body: string): string {
  let sum = 0;
  // Horner's rule from the right: weights 3^i mod 31 for positions 0..16.
  for (let i = 17; i--;) sum = (sum * 3 + USCC_ALPHABET.indexOf(body[i]!)) % 31;
  return USCC_ALPHABET[(31 - sum) % 31]!;
}

/**
 * The check character of a resident ID number (GB 11643-1999, ISO 7064
 * MOD 11-2) for its first 17 digits: `0`–`9` or `X`.
 */
export function idCheckChar(body: string): string {
  let sum = 0;
  // Horner's rule from the left: weights 2^(17-i) mod 11 for positions 0..16.
  for (let i = 0; i < 17;) sum = ((sum + +body[i++]!) * 2) % 11;
  return '10X98765432'[sum]!;
}

/**
 * Checks a Unified Social Credit Code: 18 symbols of {@link USCC_ALPHABET}
 * (case-insensitive, full-width and spaces tolerated). A wrong check symbol is
 * only a `checksum` warning.
 *
 * Reasons: `empty`, `charset`, `length`.
 */
export function validateUscc(input: string): Result {
  const value = normalizeCode(input);
  if (!value) return fail('empty');
  for (const c of value) if (!USCC_ALPHABET.includes(c)) return fail('charset');
  if (value.length != 18) return fail('length');
  return usccCheckChar(value) == value[17] ? { ok: true, value } : { ok: true, value, warning: 'checksum' };
}

/**
 * Checks a resident ID number: 17 digits and a check character (`X`, or `x`
 * which becomes `X`), with a real birth date in digits 7–14 between 1900-01-01
 * and `today`. A 15-digit number from before 1999 (birth date `YYMMDD` in
 * digits 7–12, 19xx, no check character) is accepted with the `legacy` warning.
 *
 * Reasons: `empty`, `charset`, `length`, `date`, `checksum`.
 *
 * @param today the date birth dates may not come after; defaults to now.
 */
export function validateIdNumber(input: string, today: Date = new Date()): Result {
  const value = normalizeCode(input);
  const legacy = value.length == 15;
  if (!value) return fail('empty');
  if (!/^\d+X?$/.test(value)) return fail('charset');
  if (!legacy && value.length != 18) return fail('length');
  if (legacy && value[14] == 'X') return fail('charset');
  const birth = legacy ? '19' + value.slice(6, 12) : value.slice(6, 14);
  const y = +birth.slice(0, 4);
  const m = +birth.slice(4, 6) - 1;
  const d = +birth.slice(6);
  const date = new Date(y, m, d);
  if (y < 1900 || date.getMonth() != m || date.getDate() != d || +date > +today) return fail('date');
  if (legacy) return { ok: true, value, warning: 'legacy' };
  return idCheckChar(value) == value[17] ? { ok: true, value } : fail('checksum');
}

/**
 * Checks a taxpayer identification number (纳税人识别号), digits and uppercase
 * letters (case-insensitive, full-width and spaces tolerated):
 * - 18 characters: a resident ID number passing every check of
 *   {@link validateIdNumber} is `id-number`; anything else must be a Unified
 *   Social Credit Code (`uscc`), checked by {@link validateUscc}.
 * - 15, 17 or 20 characters: an older number (`legacy`), with no check digit to test.
 *
 * Reasons: `empty`, `charset`, `length`; warning `checksum` for a `uscc`.
 *
 * @param today passed on to {@link validateIdNumber}.
 */
export function validateTaxpayerId(input: string, today?: Date): Result<TaxpayerIdKind> {
  const value = normalizeCode(input);
  const n = value.length;
  if (!value) return fail('empty');
  if (/[^\dA-Z]/.test(value)) return fail('charset');
  if (n == 18) {
    const id = validateIdNumber(value, today);
    return id.ok ? { ...id, kind: 'id-number' } : { ...validateUscc(value), kind: 'uscc' };
  }
  return n == 15 || n == 17 || n == 20 ? { ok: true, value, kind: 'legacy' } : fail('length');
}

/** Drops dashes and a leading `+86`, `0086` or `86` (before 11 digits). */
const mobileDigits = (value: string): string => value.replace(/-/g, '').replace(/^(\+86|0086|86(?=\d{11}$))/, '');

/**
 * Checks a mainland mobile number: `1`, then `3`–`9`, then 9 digits, with an
 * optional `+86`, `0086` or `86` in front; spaces and dashes are tolerated.
 * `value` is the bare 11 digits.
 *
 * Reasons: `empty`, `charset`, `length`, `prefix`.
 */
export function validateMobile(input: string): Result {
  const value = mobileDigits(compact(input));
  if (!value) return fail('empty');
  if (/\D/.test(value)) return fail('charset');
  if (value.length != 11) return fail('length');
  return /^1[3-9]/.test(value) ? { ok: true, value } : fail('prefix');
}

/**
 * Checks a username: 4 to 20 characters, letters of any script, digits and
 * `_`, starting with a letter (so it can never be mistaken for an ID or mobile
 * number). Surrounding blanks are trimmed; case is kept.
 *
 * Reasons: `empty`, `charset`, `length`.
 */
export function validateUsername(input: string): Result {
  const value = toHalfWidth(input).trim();
  const n = [...value].length;
  if (!value) return fail('empty');
  if (!/^\p{L}[\p{L}\d_]*$/u.test(value)) return fail('charset');
  return n < 4 || n > 20 ? fail('length') : { ok: true, value };
}

/**
 * Tells what an account field (居民身份证号码/手机号码/用户名) holds: a username
 * if it starts with a letter; otherwise a mobile number if at most 12 digits
 * remain without a `+86` prefix, else a resident ID number. `undefined` when blank.
 */
export function accountKind(input: string): AccountKind | undefined {
  const s = compact(input);
  return s ? (/^\p{L}/u.test(s) ? 'username' : mobileDigits(s).length < 13 ? 'mobile' : 'id-number') : undefined;
}

/**
 * Checks an account field: classifies it with {@link accountKind}, then checks
 * it with {@link validateUsername}, {@link validateMobile} or
 * {@link validateIdNumber}, whose reasons and warnings it returns.
 *
 * @param today passed on to {@link validateIdNumber}.
 */
export function validateAccount(input: string, today?: Date): Result<AccountKind> {
  const kind = accountKind(input);
  if (!kind) return fail('empty');
  const result =
    kind == 'username'
      ? validateUsername(input)
      : kind == 'mobile'
        ? validateMobile(input)
        : validateIdNumber(input, today);
  return { ...result, kind };
}

/**
 * Checks an SMS verification code: exactly `length` digits; spaces from a pasted
 * code are dropped.
 *
 * Reasons: `empty`, `charset`, `length`.
 *
 * @param length the number of digits the server sends; 6 by default.
 */
export function validateSmsCode(input: string, length = 6): Result {
  const value = compact(input);
  if (!value) return fail('empty');
  if (/\D/.test(value)) return fail('charset');
  return value.length == length ? { ok: true, value } : fail('length');
}
