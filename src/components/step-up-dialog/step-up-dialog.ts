import { html, nothing, type TemplateResult } from 'lit';
import { query, state } from 'lit/decorators.js';
import { ifDefined } from 'lit/directives/if-defined.js';
import type { FaceMethod, Identity, StepUpMethod } from '../../client/protocol.js';
import type { LoginState, LoginStateKind } from '../../client/state.js';
import { EtaxCancelEvent, EtaxMethodChosenEvent, eventsFor } from '../events/index.js';
import { secondsUntil } from '../i18n/localize.js';
import { EtaxElement } from '../shared/etax-element.js';
import { Ticker } from '../shared/ticker.js';
import { tokens } from '../shared/tokens.styles.js';
import { deepActiveElement, tabbables } from './focus.js';
import { styles } from './step-up-dialog.styles.js';

/** The methods in the order of the official instructions. */
const ORDER: StepUpMethod[] = ['face_iit', 'face_etax', 'sms'];
const STEP_UP: LoginStateKind[] = ['step-up', 'face-waiting', 'face-scanned', 'face-verifying', 'face-failed', 'sms'];
/** The states the dialog is open in. */
const OPEN: LoginStateKind[] = [...STEP_UP, 'identity', 'flow-ended'];

type StepUpState = Extract<LoginState, { methods: StepUpMethod[] }>;
const inStepUp = (s: LoginState): s is StepUpState => STEP_UP.includes(s.kind);

/**
 * @tag step-up-dialog
 * @summary The mandatory second factor after a password (再次认证), as a modal
 * dialog that opens and closes by itself with the client's state: face
 * recognition with 个人所得税APP or 电子税务局APP (the QR of `<qr-login-panel
 * mode="face">`), or an SMS code (`<sms-verify>`), switchable at any time;
 * then, when the server asks, the identity choice (身份类型选择). After a
 * failed face check it offers 改用短信验证 and, while attempts are left, 重新扫码;
 * a flow that ends (timed out, locked, refused) is explained with 重新登录.
 * Focus moves into the dialog when it opens and stays there (Tab wraps); Esc
 * and the close button cancel the flow, and focus returns to the element that
 * had it before (usually the 登录 button).
 *
 * @fires etax-method-chosen - The person chose a method: `{ method }`.
 * @fires etax-cancel - The person closed the dialog (Esc or 关闭): `{ reason: 'user' }`; unless `embedded`, also when the flow was cancelled elsewhere.
 * @fires etax-state-change - Unless `embedded`: every state change, `{ state, previous }`.
 * @fires etax-step-up-required - Unless `embedded`: a second factor is due, `{ methods, maskedPhone? }`.
 * @fires etax-sms-sent - Unless `embedded`: an SMS code was sent, `{ maskedPhone?, resendAfter }`.
 * @fires etax-identity-required - Unless `embedded`: a capacity or client must be chosen, `{ reason, identities }`.
 * @fires etax-login-success - Unless `embedded`: logged in, `{ via, redirectUrl?, session? }`.
 * @fires etax-error - Unless `embedded`: an error is shown, `{ code, message, attemptsLeft?, retryAfter?, field? }`.
 *
 * @slot help - Extra help at the foot of the dialog (a service phone number, a link).
 *
 * @csspart dialog - The `<dialog>` element.
 * @csspart title - The heading (再次认证 / 身份类型选择).
 * @csspart close - The close button.
 * @csspart methods - The list of methods (a tab list).
 * @csspart method - Each method's tab.
 * @csspart face - The face-recognition panel (the embedded `<qr-login-panel>` with its instructions and status).
 * @csspart sms - The SMS panel (the embedded `<sms-verify>`).
 * @csspart identity - The identity choice form.
 * @csspart status - The status line of the identity step and of a finished flow, announced to screen readers.
 *
 * @cssprop --etax-step-up-width - Width of the dialog, never wider than the screen; default 34rem.
 * @cssprop --etax-step-up-padding - Space inside the dialog; default `--etax-spacing` (16px).
 * @cssprop --etax-step-up-radius - Corner radius of the dialog; default `--etax-radius` (6px).
 * @cssprop --etax-step-up-backdrop - The backdrop over the page; default `--etax-color-scrim`.
 * @cssprop --etax-qr-size - Side of the face-recognition QR (of `<qr-login-panel>`); default 200px.
 */
export class StepUpDialog extends EtaxElement {
  static override styles = [tokens, styles];

  /* Public properties: `base-url`, `transport`, `client`, `clientOptions`, `lang`, `strings`, `theme`, `large-text`, `embedded` (from EtaxElement). */

  /** The tab that takes Tab (roving focus), while the person moves with the arrow keys. */
  @state() private focusedMethod?: StepUpMethod;

  /** The identity ticked in 身份类型选择. */
  @state() private chosenIdentity?: string;

  @query('dialog') private dialog!: HTMLDialogElement;

  /** The face method last asked for, for 重试 after a failed request. */
  private lastMethod?: FaceMethod;
  /** Where focus was before the dialog opened. */
  private opener: HTMLElement | null = null;
  /** Move focus to the state's main control after the next render. */
  private refocus = false;
  /** The cancel under way was the person's own (its event is dispatched here, once). */
  private cancelling = false;

  /** The state the last render showed. */
  private shown?: LoginState;

  /** Re-renders each second while the flow's remaining time is shown. */
  protected readonly ticker = new Ticker(this, () => this.wantsOpen && 'expiresAt' in this.state);

  /* ----------------------------------------------------------- lifecycle */

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A removed modal dialog stays "open" without being modal: close it, so it opens modally again if put back.
    this.dialog?.close();
    this.restoreFocus();
  }

  protected override stateChanged(state: LoginState, previous: LoginState): void {
    if (!this.embedded) {
      for (const event of eventsFor(state, previous, (e) => this.message(e))) {
        if (!(this.cancelling && event instanceof EtaxCancelEvent)) this.dispatchEvent(event);
      }
    }
    if (state.kind === 'identity' && previous.kind !== 'identity') this.chosenIdentity = state.identities[0]?.id;
    if (state.kind === 'step-up' && state.pending) this.lastMethod = state.pending;
    if (['face-failed', 'identity', 'flow-ended'].includes(state.kind) && state.kind !== previous.kind)
      this.refocus = true;
    if (state.kind === 'step-up' && state.error && !('error' in previous && previous.error)) this.refocus = true;
  }

  protected override updated(): void {
    const dialog = this.dialog;
    if (this.wantsOpen && !dialog.open) {
      this.opener = deepActiveElement();
      dialog.showModal();
      this.refocus = true;
    } else if (!this.wantsOpen && dialog.open) {
      dialog.close();
      this.restoreFocus();
    }
    // Only a new step moves focus: within one (SMS sending → sent) the embedded element places it.
    const changed = this.shown?.kind !== this.state.kind;
    this.shown = this.state;
    if (!dialog.open) return;
    // Focus follows the state when its main control changed, or when the focused control went away with it.
    const root = this.renderRoot as ShadowRoot;
    const active = root.activeElement;
    if (this.refocus || (changed && (!active || active === dialog))) {
      (root.querySelector<HTMLElement>('[data-focus]') ?? root.querySelector<HTMLElement>('.close'))?.focus();
    }
    this.refocus = false;
  }

  /* -------------------------------------------------------------- handlers */

  /** Esc: the dialog's own cancel. */
  private onCancel(event: Event) {
    if (event.target !== this.dialog) return;
    event.preventDefault();
    this.close();
  }

  /** Closed by the browser (Esc when it cannot be held back, or removal): focus goes back. */
  private onClose() {
    this.restoreFocus();
  }

  /** Tab and Shift+Tab wrap around inside the dialog. */
  private onKeydown(event: KeyboardEvent) {
    if (event.key !== 'Tab') return;
    const list = tabbables(this.dialog);
    if (!list.length) return;
    const at = list.indexOf(event.composedPath()[0] as HTMLElement);
    const wrap = event.shiftKey ? at <= 0 : at === -1 || at === list.length - 1;
    if (!wrap) return;
    event.preventDefault();
    list[event.shiftKey ? list.length - 1 : 0].focus();
  }

  /** Arrow keys, Home and End move between the method tabs; Enter or Space chooses. */
  private onTabKeydown(event: KeyboardEvent, methods: StepUpMethod[]) {
    const at = methods.indexOf((event.target as HTMLElement).dataset.method as StepUpMethod);
    const step: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowRight: at + 1,
      ArrowUp: at - 1,
      ArrowLeft: at - 1,
      Home: 0,
      End: methods.length - 1,
    };
    const to = step[event.key];
    if (to === undefined) return;
    event.preventDefault();
    this.focusedMethod = methods[(to + methods.length) % methods.length];
    this.renderRoot.querySelector<HTMLElement>(`#tab-${this.focusedMethod}`)?.focus();
  }

  private onTabsFocusout(event: FocusEvent) {
    const to = event.relatedTarget as Node | null;
    if (!to || !(event.currentTarget as HTMLElement).contains(to)) this.focusedMethod = undefined;
  }

  /** Picks or switches the method. The one on show is asked for again only after a failure (重新扫码, 重试). */
  private choose(method: StepUpMethod) {
    const s = this.state;
    const client = this.login.client;
    if (!client || !inStepUp(s) || s.kind === 'face-verifying') return;
    if (method === this.selectedMethod(s) && s.kind !== 'face-failed' && !(s.kind === 'step-up' && s.error)) return;
    if (method !== 'sms') this.lastMethod = method;
    try {
      void client.chooseStepUp(method);
    } catch {
      return; // no longer possible (the state moved on); the view shows what is
    }
    this.dispatchEvent(new EtaxMethodChosenEvent({ method }));
  }

  private onIdentityChange(event: Event) {
    this.chosenIdentity = (event.target as HTMLInputElement).value;
  }

  private onIdentitySubmit(event: SubmitEvent) {
    event.preventDefault();
    const s = this.state;
    if (s.kind !== 'identity' || s.pending || !this.chosenIdentity) return;
    try {
      void this.login.client?.chooseIdentity(this.chosenIdentity);
    } catch {
      // The flow moved on; the view shows where it is.
    }
  }

  /* -------------------------------------------------------- public methods */

  /** Whether the dialog is showing. */
  get open(): boolean {
    return !!this.dialog?.open;
  }

  /**
   * Closes the dialog as the close button does: an ongoing flow is cancelled
   * (`etax-cancel` first, then the request), then the client goes back to the
   * login page. A flow that had already ended is just left.
   */
  close(): void {
    const client = this.login.client;
    const s = this.state;
    if (!client || !OPEN.includes(s.kind)) return;
    if (s.kind !== 'flow-ended') {
      this.dispatchEvent(new EtaxCancelEvent({ reason: 'user' }));
      this.cancelling = true;
      try {
        void client.cancel();
      } finally {
        this.cancelling = false;
      }
    }
    this.restart();
  }

  /* --------------------------------------------------------------- helpers */

  private get wantsOpen(): boolean {
    return OPEN.includes(this.state.kind);
  }

  /** Back to the login page: a new QR login, as the page starts. */
  private restart() {
    const client = this.login.client;
    if (client?.state.kind !== 'flow-ended') return;
    void client.startQr();
  }

  private restoreFocus() {
    const opener = this.opener;
    this.opener = null;
    if (opener?.isConnected) opener.focus();
  }

  private selectedMethod(s: LoginState): StepUpMethod | undefined {
    if (s.kind === 'sms') return 'sms';
    if ('method' in s) return s.method;
    if (s.kind === 'step-up') return s.pending ?? (s.error ? this.lastMethod : undefined);
    return undefined;
  }

  /* ---------------------------------------------------------------- render */

  private renderMethods(s: StepUpState, selected: StepUpMethod | undefined): TemplateResult {
    const t = this.t;
    const methods = ORDER.filter((m) => s.methods.includes(m));
    const roving = this.focusedMethod ?? (selected && methods.includes(selected) ? selected : methods[0]);
    const busy = s.kind === 'face-verifying';
    return html`<div
      part="methods"
      class="methods"
      role="tablist"
      aria-label=${t.stepUp.methodsLabel}
      aria-orientation="vertical"
      @keydown=${(e: KeyboardEvent) => this.onTabKeydown(e, methods)}
      @focusout=${this.onTabsFocusout}
    >
      ${methods.map(
        (m) =>
          html`<button
            type="button"
            part="method"
            role="tab"
            id=${`tab-${m}`}
            data-method=${m}
            aria-selected=${m === selected ? 'true' : 'false'}
            aria-controls=${ifDefined(m === selected ? 'panel' : undefined)}
            aria-disabled=${busy ? 'true' : 'false'}
            tabindex=${m === roving ? 0 : -1}
            ?data-focus=${m === roving && s.kind !== 'face-failed' && !(s.kind === 'step-up' && s.error)}
            @click=${() => this.choose(m)}
          >
            ${t.stepUp.methods[m]}
          </button>`,
      )}
    </div>`;
  }

  private renderPanel(s: StepUpState, selected: StepUpMethod | undefined): TemplateResult | typeof nothing {
    if (!selected) return nothing;
    const shown = s.methods.includes(selected);
    const client = this.login.client;
    const { lang } = this.t;
    // The embedded elements show their own states and announce them; the dialog adds what to do next.
    const body =
      selected === 'sms'
        ? html`<sms-verify
            embedded
            .client=${client}
            .lang=${lang}
            .strings=${this.strings}
            .theme=${this.theme}
            .largeText=${this.largeText}
          ></sms-verify>`
        : html`<qr-login-panel
            mode="face"
            embedded
            .client=${client}
            .lang=${lang}
            .strings=${this.strings}
            .theme=${this.theme}
            .largeText=${this.largeText}
          ></qr-login-panel>`;
    return html`<div
      id="panel"
      class="panel"
      part=${selected === 'sms' ? 'sms' : 'face'}
      role=${shown ? 'tabpanel' : 'group'}
      aria-labelledby=${ifDefined(shown ? `tab-${selected}` : undefined)}
      aria-label=${ifDefined(shown ? undefined : this.t.stepUp.methods[selected])}
      aria-busy=${s.kind === 'step-up' && s.pending ? 'true' : 'false'}
    >
      ${body}
    </div>`;
  }

  private renderIdentity(s: Extract<LoginState, { kind: 'identity' }>): TemplateResult {
    const t = this.t;
    const role = (i: Identity) => i.roleLabel?.[t.lang] ?? i.roleLabel?.['zh-CN'] ?? i.role;
    return html`<form part="identity" class="identity" @submit=${this.onIdentitySubmit}>
      <fieldset aria-busy=${s.pending ? 'true' : 'false'}>
        <legend id="intro">${t.identity[s.reason]}</legend>
        ${s.identities.map((i) => {
          const checked = i.id === this.chosenIdentity;
          return html`<label class="choice">
            <input
              type="radio"
              name="identity"
              .value=${i.id}
              .checked=${checked}
              ?data-focus=${checked}
              @change=${this.onIdentityChange}
            />
            <span class="who">
              <span class="name">${i.name}</span>
              ${role(i) ? html`<span class="role">${role(i)}</span>` : nothing}
              ${i.taxpayerId ? html`<span class="muted tin">${i.taxpayerId}</span>` : nothing}
            </span>
          </label>`;
        })}
      </fieldset>
      <button class="primary" type="submit" aria-disabled=${s.pending ? 'true' : 'false'}>
        ${s.pending ? t.login.submitting : t.identity.confirm}
      </button>
    </form>`;
  }

  /** The status line, for what the embedded elements do not show: the identity step, a finished flow. */
  private status(s: LoginState, panel: boolean): { text: string; error?: boolean } {
    const t = this.t;
    switch (s.kind) {
      case 'step-up':
        if (panel) return { text: '' };
        if (s.error)
          return { text: s.error.code === 'qr_expired' ? t.stepUp.qrExpired : this.message(s.error), error: true };
        return { text: s.pending ? t.qr.loading : '' };
      case 'identity':
        return s.error ? { text: this.message(s.error), error: true } : { text: s.pending ? t.login.submitting : '' };
      case 'flow-ended':
        return {
          text:
            s.error && (s.reason === 'locked' || s.reason === 'error')
              ? this.message(s.error)
              : t.login.ended[s.reason],
          error: s.reason !== 'cancelled',
        };
      default:
        return { text: '' };
    }
  }

  private renderActions(s: LoginState): TemplateResult | typeof nothing {
    const t = this.t;
    if (s.kind === 'face-failed') {
      const sms = s.methods.includes('sms');
      const again = s.attemptsLeft > 0 && s.methods.includes(s.method);
      return html`<div class="actions">
        ${sms ? html`<button class="primary" type="button" data-focus @click=${() => this.choose('sms')}>${t.stepUp.useSms}</button>` : nothing}
        ${
          again
            ? html`<button type="button" ?data-focus=${!sms} @click=${() => this.choose(s.method)}>
                ${t.stepUp.faceRetry}
              </button>`
            : nothing
        }
      </div>`;
    }
    if (s.kind === 'step-up' && s.error && this.lastMethod && s.methods.includes(this.lastMethod)) {
      const method = this.lastMethod;
      return html`<div class="actions">
        <button class="primary" type="button" data-focus @click=${() => this.choose(method)}>${t.qr.retry}</button>
      </div>`;
    }
    if (s.kind === 'flow-ended') {
      return html`<div class="actions">
        <button class="primary" type="button" data-focus @click=${this.restart}>${t.login.restart}</button>
      </div>`;
    }
    return nothing;
  }

  override render(): TemplateResult {
    const t = this.t;
    const s = this.state;
    const step = inStepUp(s) ? s : undefined;
    const selected = this.selectedMethod(s);
    const status = this.status(s, !!selected);
    const left = 'expiresAt' in s ? secondsUntil(s.expiresAt) : 0;
    return html`<dialog
      part="dialog"
      lang=${t.lang}
      aria-labelledby="title"
      aria-describedby=${ifDefined(s.kind === 'flow-ended' ? 'status' : 'intro')}
      @cancel=${this.onCancel}
      @close=${this.onClose}
      @keydown=${this.onKeydown}
    >
      <header>
        <h2 id="title" part="title">${s.kind === 'identity' ? t.identity.title : t.stepUp.title}</h2>
        <button type="button" part="close" class="close" aria-label=${t.stepUp.close} @click=${this.close}>
          <span aria-hidden="true">×</span>
        </button>
      </header>
      ${
        step
          ? html`<p id="intro" class="intro">${t.stepUp.intro}</p>
              ${this.renderMethods(step, selected)}${this.renderPanel(step, selected)}`
          : nothing
      }
      ${s.kind === 'identity' ? this.renderIdentity(s) : nothing}
      <p id="status" part="status" role="status" class=${status.error ? 'status error' : 'status'}>${status.text}</p>
      ${this.renderActions(s)}
      ${left > 0 ? html`<p class="muted expiry">${t.stepUp.expiresIn(t.duration(left))}</p>` : nothing}
      <slot name="help"></slot>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'step-up-dialog': StepUpDialog;
  }
}
