/**
 * The password form's entries and how each field is labelled, filled in and
 * checked before anything is sent.
 */
import type { EntrySpec, FieldSpec, LocalizedText } from '../../client/protocol.js';
import { accountKind, validateIdNumber, validateMobile, validateTaxpayerId } from '../../validators/index.js';
import type { Translation } from '../i18n/translation.js';

/** The three entries of the real portals, used until (or unless) the server announces its own. */
export { DEFAULT_ENTRIES } from '../../client/entries.js';

/** A server's text in the page's language, else in Chinese. */
export const localized = (text: LocalizedText | undefined, lang: string): string | undefined =>
  text && (text[lang] ?? text[lang.split('-')[0]] ?? text['zh-CN']);

export function entryLabel(entry: EntrySpec, t: Translation): string {
  return localized(entry.label, t.lang) ?? (t.login.entries as Record<string, string>)[entry.id] ?? entry.id;
}

export function fieldLabel(entry: EntrySpec, field: FieldSpec, t: Translation): string {
  const f = t.login.fields;
  const agent = entry.id === 'agent';
  return (
    localized(field.label, t.lang) ||
    (field.kind === 'taxpayer-id'
      ? agent
        ? f.agencyTaxpayerId
        : f.taxpayerId
      : field.kind === 'account'
        ? agent
          ? f.agentAccount
          : f.account
        : field.name)
  );
}

/** What the form shows for one field after a check. */
export interface Check {
  /** The normalised value to send. */
  value: string;
  error?: string;
  warning?: string;
}

/**
 * Which limit the server announced for a field a value misses, if any. (`maxLength` is kept by the
 * input itself, which takes no more.)
 */
function announced(field: FieldSpec, value: string): 'tooShort' | 'format' | undefined {
  if (field.minLength !== undefined && [...value].length < field.minLength) return 'tooShort';
  if (field.pattern !== undefined && !matches(field.pattern, value)) return 'format';
}

/** Whether the whole value matches a server's pattern; one this browser cannot read is left to the server. */
function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u').test(value);
  } catch {
    return true;
  }
}

/**
 * Checks one field before anything is sent, with the person's words for what is
 * wrong: the national formats its kind names (taxpayer IDs, resident ID and mobile
 * numbers, by their check digits), then only the limits the server announced for it
 * (`minLength`, `pattern`; the input takes no more than `maxLength`), on the value as it would be sent.
 */
export function checkField(entry: EntrySpec, field: FieldSpec, raw: string, t: Translation): Check {
  const v = t.validation;
  const label = fieldLabel(entry, field, t);
  if (!raw.trim()) return { value: '', error: field.required ? v.required(label) : undefined };
  let check: Check = { value: raw.trim() };
  if (field.kind === 'taxpayer-id') {
    const r = validateTaxpayerId(raw);
    if (!r.ok) return { value: raw, error: v.taxpayerId };
    check = { value: r.value, warning: r.warning === 'checksum' ? v.usccChecksum : undefined };
  } else if (field.kind === 'account') {
    // A username is whatever the server allows; ID and mobile numbers have national formats.
    const kind = accountKind(raw);
    const r = kind === 'mobile' ? validateMobile(raw) : kind === 'id-number' ? validateIdNumber(raw) : undefined;
    if (r && !r.ok) return { value: raw, error: kind === 'mobile' ? v.mobile : v.idNumber };
    if (r) check = { value: r.value };
  }
  const miss = announced(field, check.value);
  if (!miss) return check;
  return {
    value: raw,
    error: miss === 'format' ? v.format(label) : v.tooShort(label, field.minLength!),
  };
}
