import { html, noChange, nothing, render, svg, type PropertyValues, type TemplateResult } from 'lit';
import type { LoginClient, LoginClientOptions } from '../../client/client.js';
import type { EntrySpec } from '../../client/protocol.js';
import type { LoginState, PasswordAttempt } from '../../client/state.js';
import { EtaxLoginSuccessEvent } from '../events/index.js';
import type { QrLoginPanel } from '../qr-login-panel/qr-login-panel.js';
import { EtaxElement } from '../shared/etax-element.js';
import { ownClient } from '../shared/own-client.js';
import { allowedRedirect } from '../shared/redirect.js';
import { rove } from '../shared/rove.js';
import { controls, tokens } from '../shared/tokens.styles.js';
import { checkField, DEFAULT_ENTRIES, entryLabel, fieldLabel, localized, type Check } from './entries.js';
import { formStyles, styles } from './etax-login.styles.js';

let instances = 0;
/** The documents and shadow roots the form's styles were added to. */
const styledRoots = new WeakSet<Document | ShadowRoot>();

/** Server answers that judge the password itself: it is cleared and typed again. */
const REJECTED = ['invalid_credentials', 'not_registered', 'account_locked'];

/** What the form shows for one field after a check. */
type FieldNote = Omit<Check, 'value'>;

/** The show-password button's icon: an eye, struck through while the password is shown (a shape, not a colour, so forced colours keep it). */
const eye = (shown: boolean) =>
  html`<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
    <path d="M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12Z" />
    <circle cx="12" cy="12" r="3" />
    ${shown ? svg`<path d="M3 3l18 18" />` : nothing}
  </svg>`;

const list = (s: string) => s.split(/[\s,]+/).filter(Boolean);

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
  static override styles = [tokens, controls, styles];

  static override properties = {
    entries: {},
    entry: {},
    allowedRedirects: { attribute: 'allowed-redirects' },
    autoRefresh: { type: Number, attribute: 'auto-refresh' },
    forgotPasswordUrl: { attribute: 'forgot-password-url' },
    registerUrl: { attribute: 'register-url' },
    beforeSubmit: { attribute: false },
    navigate: { attribute: false },
    __selected: { state: true },
    __notes: { state: true },
    __revealed: { state: true },
    __checking: { state: true },
  };

  /** Entries shown, by id, comma or space separated (`enterprise,individual`); all the server offers when empty. */
  entries = '';

  /** The entry selected first. */
  entry = '';

  /**
   * Origins or URL prefixes a success redirect may go to besides this page's
   * own origin, space or comma separated (`https://sso.example.gov.cn/app`).
   * A prefix matches whole path segments (`/app`, `/app/…`, not `/application`)
   * of the path as a server may read it (encoded `/`, `.` and `\`
   * decoded, `..` resolved); the origin must match exactly (scheme, host,
   * port). Only `http(s):` URLs without user name or password are followed;
   * anything else is refused and the page stays on its success view.
   */
  allowedRedirects = '';

  /** How many times an expired QR is replaced by itself before a refresh button is shown. */
  autoRefresh = 2;

  /** Link of 忘记密码; hidden when empty. */
  forgotPasswordUrl = '';

  /** Link of 用户注册; hidden when empty. */
  registerUrl = '';

  /**
   * Runs before the password is sent, e.g. a portal's slider captcha. Resolve
   * `false` to stop, or an object whose entries are added to the request's
   * fields (a captcha ticket).
   */
  beforeSubmit?: (input: {
    entry: string;
    fields: Record<string, string>;
  }) => Promise<false | void | Record<string, string>> | false | void | Record<string, string>;

  /** Goes to the success redirect; replace it to route inside a single-page app. */
  navigate: (url: string) => void = (url) => location.assign(url);

  private __selected = '';
  private __notes: Record<string, FieldNote> = {};
  private __revealed = false;
  private __checking = false;
  /** The lock the person has read and left for another account. */
  private __lockSeen?: PasswordAttempt;
  /** What the last identity choice was for: the capacity, or (for an agent) the client enterprise. */
  private __identityReason?: 'capacity' | 'client';

  /** What the person typed, per entry and field; never the password. */
  private __values: Record<string, Record<string, string>> = {};
  private readonly __uid = `etax-login-${++instances}`;
  /** The success message was on show at the last update. */
  private __doneShown = false;
  /**
   * The password form's box in the light DOM, and what puts it back when removed: made when
   * first connected, not at construction, so that a server renderer can build the element.
   */
  private __formHost?: HTMLDivElement;
  private __keeper?: MutationObserver;
  /** The client whose QR flow this element started. */
  private __started?: LoginClient;

  override connectedCallback(): void {
    if (!this.__formHost) {
      this.__formHost = document.createElement('div');
      this.__formHost.slot = 'password-form';
      this.__formHost.className = 'etax-form-host';
      this.__keeper = new MutationObserver(() => this.__keepForm());
    }
    super.connectedCallback();
    this.__keepForm();
    this.__keeper!.observe(this, { childList: true });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.__keeper?.disconnect();
    // A block taken off the page keeps no password.
    this.__clearPassword();
  }

  /** Puts the form back where password managers look for it, and its styles in this tree. */
  private __keepForm() {
    if (this.__formHost && this.__formHost.parentNode !== this) this.append(this.__formHost);
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = formStyles.styleSheet;
    if (sheet && root.adoptedStyleSheets && !styledRoots.has(root)) {
      styledRoots.add(root);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    }
  }

  /** The entries to offer: the server's, narrowed by `entries`. */
  private get __entryList(): EntrySpec[] {
    const all = this.login.client?.capabilities?.entries ?? DEFAULT_ENTRIES;
    const wanted = list(this.entries);
    const shown = all.filter((e) => wanted.includes(e.id));
    return shown.length ? shown : all;
  }

  private get __current(): EntrySpec {
    const entries = this.__entryList;
    return entries.find((e) => e.id === (this.__selected || this.entry)) ?? entries[0];
  }

  private get __password(): HTMLInputElement | null {
    return this.__formHost?.querySelector('[name=password]') ?? null;
  }

  private __clearPassword() {
    const password = this.__password;
    if (password) password.value = '';
  }

  protected override makeClient(options: LoginClientOptions): LoginClient {
    return ownClient(options);
  }

  protected override autoRefreshing(): boolean {
    return !!this.renderRoot.querySelector<QrLoginPanel>('qr-login-panel')?.willAutoRefresh;
  }

  protected override stateChanged(state: LoginState, previous: LoginState): Event[] {
    const events = super.stateChanged(state, previous);
    if (events.some((e) => e instanceof EtaxLoginSuccessEvent && !e.defaultPrevented)) this.__redirect(state);
    const attempt = 'password' in state ? state.password : undefined;
    const before = 'password' in previous ? previous.password : undefined;
    const failed = attempt?.status === 'failed' && attempt !== before ? attempt : undefined;
    // The password goes once the server has judged it (refused, locked, or accepted) or the person
    // gave up (cancel); after a fault (500, a malformed answer, a timeout) it stays to be sent again.
    const judged = failed && REJECTED.includes(failed.error.code);
    const accepted = (state.kind === 'step-up' && previous.kind !== 'step-up') || state.kind === 'authenticated';
    const cancelled = before?.status === 'submitting' && attempt?.status === 'idle';
    if (judged || accepted || cancelled) this.__clearPassword();
    if (failed)
      void this.updateComplete.then(() =>
        failed.error.code === 'account_locked'
          ? this.__formHost?.querySelector<HTMLElement>('.etax-locked')?.focus()
          : this.__focusFirstProblem(),
      );
    if (state.kind === 'identity') this.__identityReason = state.reason;
    return events;
  }

  /** Where a success redirect goes: same-origin or inside `allowed-redirects` (see `shared/redirect.ts`), else nowhere. */
  private __redirectTarget(state: LoginState): string | undefined {
    return state.kind === 'authenticated' && state.redirectUrl
      ? allowedRedirect(state.redirectUrl, location.href, list(this.allowedRedirects))
      : undefined;
  }

  /** Follows a success redirect the allow-list lets through; else the page stays on its success view. */
  private __redirect(state: LoginState) {
    const url = this.__redirectTarget(state);
    if (url) this.navigate(url);
  }

  private __focusFirstProblem() {
    (this.__formHost?.querySelector<HTMLElement>('[aria-invalid=true]') ?? this.__password)?.focus();
  }

  /* ------------------------------------------------------------ handlers */

  private __select(id: string, focus?: boolean) {
    this.__selected = id;
    this.__notes = {};
    if (focus)
      void this.updateComplete.then(() =>
        this.__formHost?.querySelector<HTMLElement>(`#${this.__uid}-tab-${id}`)?.focus(),
      );
  }

  private __onTabKey(event: KeyboardEvent) {
    const entries = this.__entryList;
    const to = rove(event, entries.indexOf(this.__current), entries.length);
    if (to !== undefined) this.__select(entries[to].id, true);
  }

  private __onInput(event: Event) {
    const { name, value } = event.target as HTMLInputElement;
    if (name === 'password') {
      if (this.__notes.password) this.__notes = { ...this.__notes, password: {} };
      return;
    }
    (this.__values[this.__current.id] ??= {})[name] = value;
    if (this.__notes[name]?.error) this.__check(name);
  }

  private __onBlur(event: FocusEvent) {
    const { name, value } = event.target as HTMLInputElement;
    if (name !== 'password' && value) this.__check(name);
  }

  /** Checks one field and shows the result; returns the value to send, or undefined when it is wrong. */
  private __check(name: string): string | undefined {
    const entry = this.__current;
    const field = entry.fields.find((f) => f.name === name);
    if (!field) return;
    const { value, ...note } = checkField(entry, field, this.__values[entry.id]?.[name] ?? '', this.t);
    this.__notes = { ...this.__notes, [name]: note };
    return note.error ? undefined : value;
  }

  private async __onSubmit(event: SubmitEvent) {
    event.preventDefault();
    const client = this.login.client;
    const state = this.state;
    if (!client || this.__checking || ('password' in state && state.password.status === 'submitting')) return;
    const entry = this.__current;
    const fields: Record<string, string> = {};
    let ok = true;
    for (const { name } of entry.fields) {
      const value = this.__check(name);
      if (value === undefined) ok = false;
      else if (value) fields[name] = value;
    }
    const password = this.__password?.value ?? '';
    if (!password) {
      this.__notes = { ...this.__notes, password: { error: this.t.validation.required(this.t.login.fields.password) } };
      ok = false;
    }
    if (!ok) {
      await this.updateComplete;
      return this.__focusFirstProblem();
    }
    if (this.beforeSubmit) {
      this.__checking = true;
      try {
        const extra = await this.beforeSubmit({ entry: entry.id, fields: { ...fields } });
        if (extra === false) return;
        Object.assign(fields, extra);
      } finally {
        this.__checking = false;
      }
    }
    // Only from the login page: not once a flow is under way (the QR was confirmed meanwhile).
    if (/^(idle|qr|flow-ended)/.test(this.state.kind))
      await client.submitPassword({ entry: entry.id, fields, password });
  }

  /* -------------------------------------------------------------- render */

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    // A client seen for the first time (own, given, or renewed): learn its entries and show a QR.
    // Before rendering, so that the state it moves to is drawn in this update, not in another.
    const client = this.login.client;
    if (client && client !== this.__started) {
      this.__started = client;
      client.loadCapabilities().then(
        () => this.requestUpdate(),
        () => undefined,
      );
      if (client.state.kind === 'idle') void client.startQr();
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // Logged in: the login page (and the step-up dialog with it) is gone, and with it the focus. The next Tab
    // must not leave the block: focus goes to the success message, unless the person is elsewhere on the page.
    const done = this.state.kind === 'authenticated';
    if (done && !this.__doneShown) {
      const active = document.activeElement;
      if (!active || active === document.body || active === this)
        this.renderRoot.querySelector<HTMLElement>('#done')!.focus();
    }
    this.__doneShown = done;
    if (this.__formHost) render(this.__renderForm(), this.__formHost, { host: this });
  }

  private __renderForm(): TemplateResult {
    const t = this.t;
    const state = this.state;
    const entries = this.__entryList;
    const entry = this.__current;
    const id = this.__uid;
    const tabs = entries.length > 1;
    const attempt = 'password' in state ? state.password : undefined;
    const busy = attempt?.status === 'submitting' || this.__checking;
    if (attempt?.status === 'failed' && attempt.error.code === 'account_locked' && attempt !== this.__lockSeen)
      return this.__renderLocked(attempt);
    const refused = attempt?.status === 'failed' && attempt.entry === entry.id ? attempt.error : undefined;
    const at = refused?.field && entry.fields.some((f) => f.name === refused.field) ? refused.field : undefined;
    // A field's own check goes first; else the server's refusal of that field.
    const note = (name: string): FieldNote =>
      name === at && !this.__notes[name]?.error ? { error: this.message(refused!) } : (this.__notes[name] ?? {});
    const line = (name: string | undefined, n: FieldNote) =>
      n.error || n.warning
        ? html`<p id=${name ? `${id}-${name}-note` : nothing} class="etax-note etax-${n.error ? 'error' : 'warning'}">
            <span class="etax-visually-hidden">${n.error ? t.validation.errorPrefix : t.validation.warningPrefix}</span
            >${n.error ?? n.warning}
          </p>`
        : nothing;
    // One field: its label, input (the password's with the show/hide button) and note.
    const field = (name: string, label: string, kind: string, required: boolean, maxLength?: number) => {
      const n = note(name);
      const password = kind === 'password';
      return html`<div class="etax-field">
        <label for="${id}-${name}"><bdi>${label}</bdi></label>
        <div class="etax-row">
          <input
            id="${id}-${name}"
            name=${name}
            type=${password && !this.__revealed ? 'password' : 'text'}
            autocomplete=${password ? 'current-password' : kind === 'account' ? 'username' : 'on'}
            autocapitalize=${kind === 'taxpayer-id' ? 'characters' : 'off'}
            spellcheck="false"
            maxlength=${maxLength ?? nothing}
            ?required=${required}
            aria-invalid=${!!n.error}
            aria-describedby=${n.error || n.warning ? `${id}-${name}-note` : nothing}
            .value=${password ? noChange : (this.__values[entry.id]?.[name] ?? '')}
          />
          ${
            password
              ? html`<button
                  type="button"
                  class="etax-reveal"
                  aria-pressed=${this.__revealed}
                  @click=${() => (this.__revealed = !this.__revealed)}
                >
                  ${eye(this.__revealed)}<span class="etax-visually-hidden"
                    >${this.__revealed ? t.login.hidePassword : t.login.showPassword}</span
                  >
                </button>`
              : nothing
          }
        </div>
        ${line(name, n)}
      </div>`;
    };
    return html`
      <form
        class="etax-form"
        novalidate
        aria-label=${t.login.passwordTitle}
        @submit=${this.__onSubmit}
        @input=${this.__onInput}
        @focusout=${this.__onBlur}
      >
        ${
          tabs
            ? html`<div class="etax-tabs" role="tablist" aria-label=${t.login.entryTabs} @keydown=${this.__onTabKey}>
                ${entries.map(
                  (e) =>
                    html`<button
                      type="button"
                      role="tab"
                      class="etax-tab"
                      id="${id}-tab-${e.id}"
                      aria-selected=${e === entry}
                      aria-controls="${id}-panel"
                      tabindex=${e === entry ? 0 : -1}
                      @click=${() => this.__select(e.id)}
                    >
                      <bdi>${entryLabel(e, t)}</bdi>
                    </button>`,
                )}
              </div>`
            : nothing
        }
        <div
          id="${id}-panel"
          role=${tabs ? 'tabpanel' : nothing}
          aria-labelledby=${tabs ? `${id}-tab-${entry.id}` : nothing}
        >
          ${entry.fields.map((f) => field(f.name, fieldLabel(entry, f, t), f.kind, f.required, f.maxLength))}
          ${field('password', t.login.fields.password, 'password', true)}
          <div class="etax-alert" role="alert">
            ${refused && !at ? line(undefined, { error: this.message(refused) }) : nothing}
          </div>
          <button type="submit" class="etax-submit etax-primary" aria-disabled=${busy}>
            ${busy ? t.login.submitting : t.login.submit}
          </button>
        </div>
      </form>
    `;
  }

  /** The account is locked: when it unlocks, the way to a new password, and back to the form for another account. */
  private __renderLocked(attempt: PasswordAttempt & { status: 'failed' }): TemplateResult {
    const t = this.t;
    return html`<div class="etax-locked" role="alert" tabindex="-1" aria-labelledby="${this.__uid}-locked">
      <p id="${this.__uid}-locked"><strong>${t.login.locked.title}</strong></p>
      <p>${this.message(attempt.error)}</p>
      ${this.forgotPasswordUrl ? html`<a href=${this.forgotPasswordUrl}>${t.login.forgotPassword}</a>` : nothing}
      <button
        type="button"
        @click=${() => {
          this.__lockSeen = attempt;
          this.requestUpdate();
          void this.updateComplete.then(() => this.__formHost?.querySelector<HTMLElement>('input')?.focus());
        }}
      >
        ${t.login.locked.other}
      </button>
    </div>`;
  }

  /** Who logged in, as the server tells it: the masked name, the capacity, the enterprise (or an agent's client). */
  private __renderWho(state: LoginState & { kind: 'authenticated' }) {
    const t = this.t;
    const w = t.login.who;
    const i = state.identity;
    const role = i && (localized(i.roleLabel, t.lang) ?? i.role);
    const rows: [string, string | undefined][] = [
      [w.user, state.maskedName],
      [w.capacity, role],
      [this.__identityReason === 'client' ? w.client : w.enterprise, i?.name],
    ];
    const shown = rows.filter(([, value]) => value);
    return shown.length
      ? html`<dl class="who">
          ${shown.map(
            ([term, value]) =>
              html`<div>
                <dt>${term}</dt>
                <dd><bdi>${value}</bdi></dd>
              </div>`,
          )}
        </dl>`
      : nothing;
  }

  override render(): TemplateResult {
    const t = this.t;
    const state = this.state;
    const client = this.login.client;
    const done = state.kind === 'authenticated';
    // One template for both views, so that the success message's live region is there, empty, before its
    // words: words put into a region that is already there are announced, a region added with them often not.
    return html`
      <section part=${done ? 'base success' : 'base'} class=${done ? 'success' : 'base'} aria-label=${t.login.label}>
        <div id="done" role="status" tabindex="-1">
          ${
            done
              ? html`<strong>${state.via === 'other-tab' ? t.login.successElsewhere : t.login.success}</strong>
                  ${this.__renderWho(state)}
                  ${this.__redirectTarget(state) ? html`<p>${t.login.redirecting}</p>` : nothing}`
              : nothing
          }
        </div>
        ${done ? nothing : this.__renderLogin()}
      </section>
      ${
        done
          ? nothing
          : html`<step-up-dialog
              embedded
              .client=${client}
              .lang=${t.lang}
              .strings=${this.strings}
              .theme=${this.theme}
              .largeText=${this.largeText}
            ></step-up-dialog>`
      }
    `;
  }

  /** The login page: the QR beside the password form. */
  private __renderLogin(): TemplateResult {
    const t = this.t;
    const client = this.login.client;
    return html`
      <slot name="header"></slot>
      <div class="panels">
        <div part="qr-panel" class="qr">
          <h2 part="heading">${t.login.qrTitle} <span class="badge">${t.login.recommended}</span></h2>
          <qr-login-panel
            embedded
            .client=${client}
            .lang=${t.lang}
            .strings=${this.strings}
            .theme=${this.theme}
            .largeText=${this.largeText}
            .autoRefresh=${this.autoRefresh}
          ></qr-login-panel>
          <details part="help">
            <summary>${t.login.helpTitle}</summary>
            <p>${t.login.helpIntro}</p>
            <ul>
              <li>${t.login.helpPaths.etax}</li>
              <li>${t.login.helpPaths.iit}</li>
            </ul>
          </details>
        </div>
        <div part="password-panel" class="password">
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
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'etax-login': EtaxLogin;
  }
}
