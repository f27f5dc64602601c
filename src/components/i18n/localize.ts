/**
 * Picks the translation for a `lang` and merges a host's overrides over it.
 */
import type { LoginError } from '../../client/state.js';
import { en } from './en.js';
import type { PartialTranslation, Translation } from './translation.js';
import { zhCN } from './zh-CN.js';

/** The languages shipped. `zh-CN` is the default for any other tag. */
export const translations: Record<string, Translation> = { 'zh-CN': zhCN, en };

const merge = <T extends object>(base: T, over?: object): T => {
  if (!over) return base;
  const out = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(over))
    if (v !== undefined && v !== '') out[k] = v && typeof v === 'object' ? merge(out[k] as object, v) : v;
  return out as T;
};

/** The language shipped for `lang`: `en` for `en`, `en-GB`…; `zh-CN` for anything else. */
export const languageOf = (lang: string | undefined): 'en' | 'zh-CN' => (/^en\b/i.test(lang ?? '') ? 'en' : 'zh-CN');

/** The translation for `lang` (`en`, `en-GB` → English; anything else → zh-CN), with overrides. */
export const translationFor = (lang: string | undefined, override?: PartialTranslation): Translation =>
  merge(translations[languageOf(lang)], override);

/** Seconds until a `performance.now()` time, at least 1 while it lies ahead. */
export const secondsUntil = (at: number | undefined): number =>
  at ? Math.max(0, Math.ceil((at - performance.now()) / 1000)) : 0;

/** Codes of the protocol that have no words of their own: they say `other`. */
const KNOWN_WITHOUT_WORDS = ['invalid_request', 'unauthorized', 'invalid_state', 'unsupported_version'];

/**
 * The message a person sees for an error: the translation's wording for a code the page knows;
 * for a code it does not know, the server's own message (shown as text), where it gave one.
 */
export function errorMessage(t: Translation, error: LoginError): string {
  const e = t.errors;
  const left = secondsUntil(error.retryAt);
  const wait = left ? t.duration(left) : undefined;
  switch (error.code) {
    case 'account_locked':
      return e.account_locked(wait);
    case 'invalid_credentials':
      return e.invalid_credentials(error.attemptsLeft);
    case 'sms_throttled':
    case 'rate_limited':
      return error.code === 'sms_throttled' && wait ? t.sms.throttled(wait) : e.rate_limited(wait);
    case 'flow_not_found':
    case 'flow_expired':
      return e.flow_expired;
    case 'internal_error':
      return e.unavailable;
    case 'qr_expired':
      return t.stepUp.qrExpired;
    case 'sms_code_invalid':
      return error.attemptsLeft === undefined ? t.sms.invalidCode : t.sms.wrongCode(error.attemptsLeft);
    case 'sms_code_expired':
      return t.sms.codeExpired;
    case 'sms_not_sent':
      return t.sms.notSent;
    default: {
      const m = (e as unknown as Record<string, unknown>)[error.code];
      if (typeof m === 'string') return m;
      const unknown = !KNOWN_WITHOUT_WORDS.includes(error.code);
      if (unknown && error.message && error.message !== error.code) return error.message;
      return error.status && error.status >= 500 ? e.unavailable : e.other;
    }
  }
}
