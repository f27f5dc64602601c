import { html, nothing, render, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import type { LoginClient } from '../../client/client.js';
import type { EntrySpec } from '../../client/protocol.js';
import type { LoginState } from '../../client/state.js';
import { eventsFor, EtaxCancelEvent, EtaxLoginSuccessEvent } from '../events/index.js';
import type { QrLoginPanel } from '../qr-login-panel/qr-login-panel.js';
import { EtaxElement } from '../shared/etax-element.js';
import { tokens } from '../shared/tokens.styles.js';
import { autocompleteOf, checkField, DEFAULT_ENTRIES, entryLabel, fieldLabel, type Check } from './entries.js';
import { formStyles, styles } from './etax-login.styles.js';

let instances = 0;
const styledRoots = new WeakSet<Document | ShadowRoot>();

/** What the form shows for one field after a check. */
type FieldNote = Partial<Pick<Check, 'error' | 'warning'>>;

/**
 * The whole login block of an e-tax portal: QR login on the left (recommended),
 * password login with entry types on the right, then the mandatory second
 * factor, the identity choice when the server asks, and success.
 *
 * ```html
 * <etax-login base-url="/api/etax-login"></etax-login>
 * ```
 *
 * The password form is rendered in the element's light DOM (in the
 * `password-form` slot): browsers' password managers find, fill and save
 * credentials there, which they often cannot do inside a shadow root. The
 * element re-attaches it if a framework removes it.
 *
 * @tag etax-login
 * @summary QR and password login with mandatory step-up, for Chinese e-tax portals.
 *
 * @fires etax-state-change - Every state change: `{ state, previous }`.
 * @fires etax-qr-ready - A login QR is shown: `{ flowId, matchCode?, expiresIn }`.
 * @fires etax-qr-scanned - The QR was scanned: `{ app }`.
 * @fires etax-qr-expired - The QR expired: `{ autoRefresh }`.
 * @fires etax-step-up-required - The password was accepted, a second factor is due: `{ methods, maskedPhone? }`.
 * @fires etax-method-chosen - A second-factor method was chosen: `{ method }`.
 * @fires etax-sms-sent - An SMS code was sent: `{ maskedPhone?, resendAfter }`.
 * @fires etax-identity-required - A capacity or client must be chosen: `{ reason, identities }`.
 * @fires etax-login-success - Logged in (cancelable: prevents the redirect): `{ via, redirectUrl?, session? }`.
 * @fires etax-error - An error is shown: `{ code, message, attemptsLeft?, retryAfter?, field? }`.
 * @fires etax-cancel - The flow ended without login: `{ reason }`.
 *
 * @slot password-form - Taken by the element's own password form; do not fill it.
 * @slot header - Above both panels (a portal's heading or notice).
 * @slot footer - Below both panels.
 *
 * @csspart base - The block around both panels.
 * @csspart qr-panel - The QR login column.
 * @csspart password-panel - The password login column.
 * @csspart heading - Each panel's heading.
 * @csspart help - The App quick login help.
 * @csspart links - Forgot-password and registration links.
 * @csspart success - The success message.
 *
 * @cssprop --etax-color-primary - Brand colour of buttons and links.
 * @cssprop --etax-login-max-width - Widest the block grows (default 880px).
 */
export class EtaxLogin extends EtaxElement {
  static override styles = [tokens, styles];

  /** Entries shown, by id, comma or space separated (`enterprise,individual`); all the server offers when empty. */
  @property() entries = '';

  /** The entry selected first. */
  @property({ attribute: 'entry' }) entry = '';

  /**
   * Origins (or URL prefixes) a success redirect may go to besides this page's
   * own origin, space or comma separated. Anything else is not followed.
   */
  @property({ attribute: 'allowed-redirects' }) allowedRedirects = '';

  /** How many times an expired QR is replaced by itself before a refresh button is shown. */
  @property({ type: Number, attribute: 'auto-refresh' }) autoRefresh = 2;

  /** Link of 忘记密码; hidden when empty. */
  @property({ attribute: 'forgot-password-url' }) forgotPasswordUrl = '';

  /** Link of 用户注册; hidden when empty. */
  @property({ attribute: 'register-url' }) registerUrl = '';

  /**
   * Runs before the password is sent, e.g. a portal's slider captcha. Resolve
   * `false` to stop, or an object whose entries are added to the request's
   * fields (a captcha ticket).
   */
  @property({ attribute: false }) beforeSubmit?: (input: {
    entry: string;
    fields: Record<string, string>;
  }) => Promise<false | void | Record<string, string>> | false | void | Record<string, string>;

  /** Goes to the success redirect; replace it to route inside a single-page app. */
  @property({ attribute: false }) navigate: (url: string) => void = (url) => location.assign(url);

  @state() private selected = '';
  @state() private notes: Record<string, FieldNote> = {};
  @state() private revealed = false;
  @state() private checking = false;

  /** What the person typed, per entry and field; never the password. */
  private values: Record<string, Record<string, string>> = {};
  private readonly uid = `etax-login-${++instances}`;
  private readonly formHost = document.createElement('div');
  private readonly keeper = new MutationObserver(() => this.keepForm());
  /** An `etax-cancel` came from the dialog for the state change under way. */
  private toldCancel = false;
  /** The client whose QR flow this element started. */
  private started?: LoginClient;

  constructor() {
    super();
    this.formHost.slot = 'password-form';
    this.formHost.className = 'etax-form-host';
    // The dialog tells of the person's own cancel (Esc, 关闭) itself; the state change it causes must not tell it again.
    this.addEventListener('etax-cancel', (e) => {
      if (e.composedPath()[0] !== this) this.toldCancel = true;
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.keepForm();
    this.keeper.observe(this, { childList: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.keeper.disconnect();
  }

  /** Puts the form back where password managers look for it, and its styles in this tree. */
  private keepForm() {
    if (this.formHost.parentNode !== this) this.append(this.formHost);
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = formStyles.styleSheet;
    if (sheet && 'adoptedStyleSheets' in root && !styledRoots.has(root)) {
      styledRoots.add(root);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    }
  }

  /** The entries to offer: the server's, narrowed by `entries`. */
  private get entryList(): EntrySpec[] {
    const all = this.login.client?.capabilities?.entries ?? DEFAULT_ENTRIES;
    const wanted = this.entries.split(/[\s,]+/).filter(Boolean);
    const shown = wanted.length ? all.filter((e) => wanted.includes(e.id)) : all;
    return shown.length ? shown : all;
  }

  private get current(): EntrySpec {
    const list = this.entryList;
    return list.find((e) => e.id === (this.selected || this.entry)) ?? list[0];
  }

  protected override autoRefreshing(): boolean {
    return this.renderRoot.querySelector<QrLoginPanel>('qr-login-panel')?.willAutoRefresh ?? false;
  }

  protected override stateChanged(state: LoginState, previous: LoginState): void {
    const told = this.toldCancel;
    this.toldCancel = false;
    for (const event of eventsFor(state, previous, (e) => this.message(e), this.autoRefreshing())) {
      if (told && event instanceof EtaxCancelEvent) continue;
      this.dispatchEvent(event);
      if (event instanceof EtaxLoginSuccessEvent && !event.defaultPrevented) this.redirect(state);
    }
    const failed =
      'password' in state &&
      state.password.status === 'failed' &&
      state.password !== ('password' in previous && previous.password);
    if (failed || (state.kind === 'step-up' && previous.kind !== 'step-up')) this.clearPassword();
    if (failed) void this.updateComplete.then(() => this.focusFirstProblem());
  }

  private redirect(state: LoginState) {
    if (state.kind !== 'authenticated' || !state.redirectUrl) return;
    let url: URL;
    try {
      url = new URL(state.redirectUrl, location.href);
    } catch {
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return;
    const allowed = this.allowedRedirects.split(/[\s,]+/).filter(Boolean);
    const ok =
      url.origin === location.origin ||
      allowed.some((a) => {
        try {
          const base = new URL(a);
          return url.origin === base.origin && url.pathname.startsWith(base.pathname);
        } catch {
          return false;
        }
      });
    if (ok) this.navigate(url.href);
  }

  private clearPassword() {
    const input = this.formHost.querySelector<HTMLInputElement>('input[name="password"]');
    if (input) input.value = '';
  }

  private focusFirstProblem() {
    const bad = this.formHost.querySelector<HTMLElement>('[aria-invalid="true"]');
    (bad ?? this.formHost.querySelector<HTMLElement>('input[name="password"]'))?.focus();
  }

  /* ------------------------------------------------------------ handlers */

  private select(id: string, focus = false) {
    this.selected = id;
    this.notes = {};
    if (focus)
      void this.updateComplete.then(() => this.formHost.querySelector<HTMLElement>(`#${this.uid}-tab-${id}`)?.focus());
  }

  private onTabKey(event: KeyboardEvent) {
    const list = this.entryList;
    const i = list.indexOf(this.current);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: list.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    this.select(list[(next + list.length) % list.length].id, true);
  }

  private onInput(event: Event) {
    const input = event.target as HTMLInputElement;
    if (input.name === 'password') {
      if (this.notes.password) this.notes = { ...this.notes, password: {} };
      return;
    }
    const entry = this.current;
    (this.values[entry.id] ??= {})[input.name] = input.value;
    if (this.notes[input.name]?.error) this.check(input.name);
  }

  private onBlur(event: FocusEvent) {
    const input = event.target as HTMLInputElement;
    if (input.name !== 'password' && input.value) this.check(input.name);
  }

  /** Checks one field and shows the result; returns the value to send, or undefined when it is wrong. */
  private check(name: string): string | undefined {
    const entry = this.current;
    const field = entry.fields.find((f) => f.name === name);
    if (!field) return undefined;
    const result = checkField(entry, field, this.values[entry.id]?.[name] ?? '', this.t);
    this.notes = { ...this.notes, [name]: { error: result.error, warning: result.warning } };
    return result.error ? undefined : result.value;
  }

  private async onSubmit(event: SubmitEvent) {
    event.preventDefault();
    const client = this.login.client;
    const state = this.state;
    if (!client || this.checking || ('password' in state && state.password.status === 'submitting')) return;
    const entry = this.current;
    const fields: Record<string, string> = {};
    let ok = true;
    for (const field of entry.fields) {
      const value = this.check(field.name);
      if (value === undefined) ok = false;
      else if (value) fields[field.name] = value;
    }
    const input = this.formHost.querySelector<HTMLInputElement>('input[name="password"]');
    const password = input?.value ?? '';
    if (!password) {
      this.notes = { ...this.notes, password: { error: this.t.validation.required(this.t.login.fields.password) } };
      ok = false;
    }
    if (!ok) {
      await this.updateComplete;
      this.focusFirstProblem();
      return;
    }
    if (this.beforeSubmit) {
      this.checking = true;
      try {
        const extra = await this.beforeSubmit({ entry: entry.id, fields: { ...fields } });
        if (extra === false) return;
        Object.assign(fields, extra);
      } finally {
        this.checking = false;
      }
    }
    if (
      !['idle', 'qr-loading', 'qr-waiting', 'qr-scanned', 'qr-ended', 'qr-error', 'flow-ended'].includes(
        this.state.kind,
      )
    )
      return;
    await client.submitPassword({ entry: entry.id, fields, password });
  }

  private onReveal() {
    this.revealed = !this.revealed;
  }

  /* -------------------------------------------------------------- render */

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    render(this.renderForm(), this.formHost, { host: this });
    // A client seen for the first time (own, given, or renewed): learn its entries and show a QR.
    const client = this.login.client;
    if (client && client !== this.started) {
      this.started = client;
      client.loadCapabilities().then(
        () => this.requestUpdate(),
        () => undefined,
      );
      if (client.state.kind === 'idle') void client.startQr();
    }
  }

  private renderForm(): TemplateResult {
    const t = this.t;
    const state = this.state;
    const list = this.entryList;
    const entry = this.current;
    const id = this.uid;
    const attempt = 'password' in state ? state.password : undefined;
    const busy = attempt?.status === 'submitting' || this.checking;
    const serverError = attempt?.status === 'failed' && attempt.entry === entry.id ? attempt.error : undefined;
    const fieldError =
      serverError?.field && entry.fields.some((f) => f.name === serverError.field) ? serverError.field : undefined;
    const note = (name: string): FieldNote =>
      name === fieldError && !this.notes[name]?.error
        ? { error: this.message(serverError!) }
        : (this.notes[name] ?? {});
    const described = (name: string, n: FieldNote) => (n.error || n.warning ? `${id}-${name}-note` : nothing);
    const noteLine = (name: string, n: FieldNote) =>
      n.error || n.warning
        ? html`<p id="${id}-${name}-note" class="etax-note ${n.error ? 'etax-error' : 'etax-warning'}">
            <span class="etax-visually-hidden">${n.error ? t.validation.errorPrefix : t.validation.warningPrefix}</span
            >${n.error ?? n.warning}
          </p>`
        : nothing;
    const pw = note('password');
    return html`
      <form
        class="etax-form"
        novalidate
        aria-label=${t.login.passwordTitle}
        @submit=${this.onSubmit}
        @input=${this.onInput}
        @focusout=${this.onBlur}
      >
        ${
          list.length > 1
            ? html`<div class="etax-tabs" role="tablist" aria-label=${t.login.entryTabs} @keydown=${this.onTabKey}>
                ${list.map(
                  (e) =>
                    html`<button
                      type="button"
                      role="tab"
                      class="etax-tab"
                      id="${id}-tab-${e.id}"
                      aria-selected=${e === entry ? 'true' : 'false'}
                      aria-controls="${id}-panel"
                      tabindex=${e === entry ? 0 : -1}
                      @click=${() => this.select(e.id)}
                    >
                      ${entryLabel(e, t)}
                    </button>`,
                )}
              </div>`
            : nothing
        }
        <div
          class="etax-panel"
          id="${id}-panel"
          role=${list.length > 1 ? 'tabpanel' : nothing}
          aria-labelledby=${list.length > 1 ? `${id}-tab-${entry.id}` : nothing}
        >
          ${entry.fields.map((field) => {
            const n = note(field.name);
            return html`<div class="etax-field">
              <label for="${id}-${field.name}">${fieldLabel(entry, field, t)}</label>
              <input
                id="${id}-${field.name}"
                name=${field.name}
                type="text"
                autocomplete=${autocompleteOf(field)}
                autocapitalize=${field.kind === 'taxpayer-id' ? 'characters' : 'off'}
                spellcheck="false"
                maxlength=${field.maxLength ?? nothing}
                ?required=${field.required}
                aria-required=${field.required ? 'true' : 'false'}
                aria-invalid=${n.error ? 'true' : 'false'}
                aria-describedby=${described(field.name, n)}
                .value=${live(this.values[entry.id]?.[field.name] ?? '')}
              />
              ${noteLine(field.name, n)}
            </div>`;
          })}
          <div class="etax-field">
            <label for="${id}-password">${t.login.fields.password}</label>
            <div class="etax-password">
              <input
                id="${id}-password"
                name="password"
                type=${this.revealed ? 'text' : 'password'}
                autocomplete="current-password"
                required
                aria-required="true"
                aria-invalid=${pw.error ? 'true' : 'false'}
                aria-describedby=${described('password', pw)}
              />
              <button
                type="button"
                class="etax-reveal"
                aria-pressed=${this.revealed ? 'true' : 'false'}
                @click=${this.onReveal}
              >
                ${this.revealed ? t.login.hidePassword : t.login.showPassword}
              </button>
            </div>
            ${noteLine('password', pw)}
          </div>
          <div class="etax-alert" role="alert">
            ${
              serverError && !fieldError
                ? html`<p class="etax-note etax-error">
                    <span class="etax-visually-hidden">${t.validation.errorPrefix}</span>${this.message(serverError)}
                  </p>`
                : nothing
            }
          </div>
          <button type="submit" class="etax-submit" aria-disabled=${busy ? 'true' : 'false'}>
            ${busy ? t.login.submitting : t.login.submit}
          </button>
        </div>
      </form>
    `;
  }

  override render(): TemplateResult {
    const t = this.t;
    const state = this.state;
    const client = this.login.client;
    const shared = { lang: this.lang, strings: this.strings, theme: this.theme, largeText: this.largeText };
    if (state.kind === 'authenticated') {
      return html`<section part="base success" class="success" aria-label=${t.login.label}>
        <p role="status">
          <strong>${state.via === 'other-tab' ? t.login.successElsewhere : t.login.success}</strong>
          ${state.redirectUrl ? html`<span>${t.login.redirecting}</span>` : nothing}
        </p>
      </section>`;
    }
    return html`
      <section part="base" class="base" aria-label=${t.login.label}>
        <slot name="header"></slot>
        <div class="panels">
          <div part="qr-panel" class="panel qr">
            <h2 part="heading">${t.login.qrTitle} <span class="badge">${t.login.recommended}</span></h2>
            <qr-login-panel
              embedded
              .client=${client}
              .lang=${shared.lang}
              .strings=${shared.strings}
              .theme=${shared.theme}
              .largeText=${shared.largeText}
              .autoRefresh=${this.autoRefresh}
            ></qr-login-panel>
            <details part="help" class="help">
              <summary>${t.login.helpTitle}</summary>
              <p>${t.login.helpIntro}</p>
              <ul>
                <li>${t.login.helpPaths.etax}</li>
                <li>${t.login.helpPaths.iit}</li>
              </ul>
            </details>
          </div>
          <div part="password-panel" class="panel password">
            <h2 part="heading">${t.login.passwordTitle}</h2>
            <slot name="password-form"></slot>
            ${
              this.forgotPasswordUrl || this.registerUrl
                ? html`<p part="links" class="links">
                    ${this.forgotPasswordUrl ? html`<a href=${this.forgotPasswordUrl}>${t.login.forgotPassword}</a>` : nothing}
                    ${this.registerUrl ? html`<a href=${this.registerUrl}>${t.login.register}</a>` : nothing}
                  </p>`
                : nothing
            }
          </div>
        </div>
        <slot name="footer"></slot>
      </section>
      <step-up-dialog
        embedded
        .client=${client}
        .lang=${shared.lang}
        .strings=${shared.strings}
        .theme=${shared.theme}
        .largeText=${shared.largeText}
      ></step-up-dialog>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'etax-login': EtaxLogin;
  }
}
