/**
 * The demo's settings (language, theme, large text, transport, width), kept in
 * the page's query string so that a reload or a shared link shows the same:
 * `?lang=en&theme=dark&large=1&transport=poll&width=phone`.
 */
import type { TransportName } from '../src/client/protocol.js';
import { STRINGS, type DemoLang, type DemoStrings, type ThemeChoice, type WidthChoice } from './strings.js';

export interface Settings {
  lang: DemoLang;
  theme: ThemeChoice;
  large: boolean;
  transport: 'auto' | TransportName;
  width: WidthChoice;
}

const one = <T extends string>(value: string | null, allowed: readonly T[], fallback: T): T =>
  allowed.includes(value as T) ? (value as T) : fallback;

export function readSettings(): Settings {
  const q = new URLSearchParams(location.search);
  return {
    lang: one(q.get('lang'), ['zh-CN', 'en'], 'zh-CN'),
    theme: one(q.get('theme'), ['system', 'light', 'dark', 'brand'], 'system'),
    large: q.get('large') === '1',
    transport: one(q.get('transport'), ['auto', 'poll', 'long-poll', 'sse', 'websocket'], 'auto'),
    width: one(q.get('width'), ['desktop', 'tablet', 'phone'], 'desktop'),
  };
}

const DEFAULTS: Settings = { lang: 'zh-CN', theme: 'system', large: false, transport: 'auto', width: 'desktop' };

/** Writes the settings that differ from the defaults into the address bar (no reload). */
export function writeSettings(s: Settings): void {
  const q = new URLSearchParams(location.search);
  for (const key of Object.keys(DEFAULTS) as (keyof Settings)[]) {
    const value = key === 'large' ? (s.large ? '1' : '0') : String(s[key]);
    const fallback = key === 'large' ? '0' : String(DEFAULTS[key]);
    if (value === fallback) q.delete(key);
    else q.set(key, value);
  }
  const search = q.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}${location.hash}`);
}

/** A word by its dotted path (`log.title`). */
const word = (t: DemoStrings, path: string): unknown =>
  path.split('.').reduce<unknown>((o, key) => (o as Record<string, unknown> | undefined)?.[key], t);

/**
 * Sets a page's language and colour scheme from the settings, and its words
 * (`data-i18n`: text, `data-i18n-label`: aria-label, `data-i18n-title`: title,
 * `#portal-nav`: the portal's sections); returns the words.
 */
export function applyPageSettings(s: Settings, doc: Document = document): DemoStrings {
  const root = doc.documentElement;
  root.lang = s.lang;
  root.dataset.theme = s.theme;
  root.toggleAttribute('data-large', s.large);
  const t = STRINGS[s.lang];
  for (const el of doc.querySelectorAll<HTMLElement>('[data-i18n]')) {
    const value = word(t, el.dataset.i18n!);
    if (typeof value === 'string') el.textContent = value;
  }
  for (const [attribute, name] of [
    ['data-i18n-label', 'aria-label'],
    ['data-i18n-title', 'title'],
  ]) {
    for (const el of doc.querySelectorAll<HTMLElement>(`[${attribute}]`)) {
      const value = word(t, el.getAttribute(attribute)!);
      if (typeof value === 'string') el.setAttribute(name, value);
    }
  }
  doc.querySelectorAll('#portal-nav li').forEach((li, i) => (li.textContent = t.nav[i] ?? ''));
  return t;
}

/**
 * Connects the page's setting controls (`<select name="lang">`,
 * `<input type="checkbox" name="large">`, …) to the settings: shows the
 * current values, and calls `changed` with the new settings on every change.
 */
export function bindControls(form: HTMLElement, s: Settings, changed: (s: Settings) => void): void {
  for (const control of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[name]')) {
    const key = control.name as keyof Settings;
    if (!(key in s)) continue;
    if (control instanceof HTMLInputElement && control.type === 'checkbox') control.checked = !!s[key];
    else if (control instanceof HTMLInputElement && control.type === 'radio')
      control.checked = control.value === s[key];
    else control.value = String(s[key]);
    control.addEventListener('change', () => {
      const value =
        control instanceof HTMLInputElement && control.type === 'checkbox' ? control.checked : control.value;
      if (control instanceof HTMLInputElement && control.type === 'radio' && !control.checked) return;
      Object.assign(s, { [key]: value });
      writeSettings(s);
      changed(s);
    });
  }
}

/** Labels the options of the setting controls in the current language. */
export function labelControls(form: HTMLElement, t: DemoStrings): void {
  const names: Record<string, Record<string, string>> = {
    theme: t.themes,
    transport: t.transports,
    width: t.widths,
  };
  for (const option of form.querySelectorAll<HTMLOptionElement>('select[name] option')) {
    const list = names[(option.parentElement as HTMLSelectElement).name];
    if (list?.[option.value]) option.textContent = list[option.value];
  }
}
