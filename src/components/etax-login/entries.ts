/**
 * The password form's entries and how each field is labelled, filled in and
 * checked before anything is sent.
 */
import type { EntrySpec, FieldSpec, LocalizedText } from '../../client/protocol.js';
import { validateAccount, validateTaxpayerId } from '../../validators/index.js';
import type { Translation } from '../i18n/translation.js';

/** The three entries of the real portals, used until (or unless) the server announces its own. */
export { DEFAULT_ENTRIES } from '../../client/entries.js';

const pick = (text: LocalizedText | undefined, lang: string): string | undefined =>
  text && (text[lang] ?? text[lang.split('-')[0]] ?? text['zh-CN']);

export function entryLabel(entry: EntrySpec, t: Translation): string {
  return pick(entry.label, t.lang) ?? (t.login.entries as Record<string, string>)[entry.id] ?? entry.id;
}

export function fieldLabel(entry: EntrySpec, field: FieldSpec, t: Translation): string {
  const f = t.login.fields;
  const agent = entry.id === 'agent';
  return (
    pick(field.label, t.lang) ||
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

/** Checks one field the way the server will, with the person's words for what is wrong. */
export function checkField(entry: EntrySpec, field: FieldSpec, raw: string, t: Translation): Check {
  const v = t.validation;
  if (!raw.trim()) return { value: '', error: field.required ? v.required(fieldLabel(entry, field, t)) : undefined };
  if (field.kind === 'taxpayer-id') {
    const r = validateTaxpayerId(raw);
    return r.ok
      ? { value: r.value, warning: r.warning === 'checksum' ? v.usccChecksum : undefined }
      : { value: raw, error: v.taxpayerId };
  }
  if (field.kind === 'account') {
    const r = validateAccount(raw);
    return r.ok
      ? { value: r.value }
      : { value: raw, error: r.kind === 'mobile' ? v.mobile : r.kind === 'username' ? v.username : v.idNumber };
  }
  return { value: raw.trim() };
}
