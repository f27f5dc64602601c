/**
 * The password form's entries and how each field is labelled, filled in and
 * checked before anything is sent.
 */
import type { EntrySpec, FieldSpec } from '../../client/protocol.js';
import { validateAccount, validateTaxpayerId } from '../../validators/index.js';
import type { Translation } from '../i18n/translation.js';

/** The three entries of the real portals, used until (or unless) the server announces its own. */
export { DEFAULT_ENTRIES } from '../../client/entries.js';

const pick = (text: Record<string, string | undefined> | undefined, lang: string): string | undefined =>
  text?.[lang] ?? text?.[lang.split('-')[0]] ?? text?.['zh-CN'];

export function entryLabel(entry: EntrySpec, t: Translation): string {
  return pick(entry.label, t.lang) ?? (t.login.entries as Record<string, string>)[entry.id] ?? entry.id;
}

export function fieldLabel(entry: EntrySpec, field: FieldSpec, t: Translation): string {
  const own = pick(field.label, t.lang);
  if (own) return own;
  const f = t.login.fields;
  if (field.kind === 'taxpayer-id') return entry.id === 'agent' ? f.agencyTaxpayerId : f.taxpayerId;
  if (field.kind === 'account') return entry.id === 'agent' ? f.agentAccount : f.account;
  return field.name;
}

/** `autocomplete` for a field: the account is the username password managers save. */
export const autocompleteOf = (field: FieldSpec): string => (field.kind === 'account' ? 'username' : 'on');

export interface Check {
  /** The normalised value to send. */
  value: string;
  error?: string;
  warning?: string;
}

/** Checks one field the way the server will, with the person's words for what is wrong. */
export function checkField(entry: EntrySpec, field: FieldSpec, raw: string, t: Translation): Check {
  const v = t.validation;
  if (!raw.trim()) {
    return { value: '', error: field.required ? v.required(fieldLabel(entry, field, t)) : undefined };
  }
  if (field.kind === 'taxpayer-id') {
    const r = validateTaxpayerId(raw);
    if (!r.ok) return { value: raw, error: v.taxpayerId };
    return { value: r.value, warning: r.warning === 'checksum' ? v.usccChecksum : undefined };
  }
  if (field.kind === 'account') {
    const r = validateAccount(raw);
    if (r.ok) return { value: r.value };
    return { value: raw, error: r.kind === 'mobile' ? v.mobile : r.kind === 'username' ? v.username : v.idNumber };
  }
  return { value: raw.trim() };
}
