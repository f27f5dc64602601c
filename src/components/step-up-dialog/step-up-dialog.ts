import { html, nothing, type TemplateResult } from 'lit';
import type { FaceMethod, StepUpMethod } from '../../client/protocol.js';
import { stageOf } from '../../client/core.js';
import type { LoginState, LoginStateKind } from '../../client/state.js';
import { EtaxMethodChosenEvent } from '../events/index.js';
import { faceFailedMessage, roleOf, secondsUntil } from '../i18n/localize.js';
import { EtaxElement } from '../shared/etax-element.js';
import { rove } from '../shared/rove.js';
import { Ticker } from '../shared/ticker.js';
import { controls } from '../shared/controls.styles.js';
import { tokens } from '../shared/tokens.styles.js';
import { deepActiveElement, tabbables } from './focus.js';
import { styles } from './step-up-dialog.styles.js';

/** The methods in the order of the official instructions. */
const ORDER: StepUpMethod[] = ['face_iit', 'face_etax', 'sms'];
/** The states the dialog is open in: the second factor, the identity choice, and how a password flow ended. */
const open = (kind: LoginStateKind): boolean => ['step-up', 'identity', 'ended'].includes(stageOf(kind));

type StepUpState = Extract<LoginState, { methods: StepUpMethod[] }>;
const inStepUp = (s: LoginState): s is StepUpState => stageOf(s.kind) === 'step-up';
/** A failed face check or face QR request is on show: the method may be asked for again. */
const failed = (s: LoginState) => s.kind === 'face-failed' || (s.kind === 'step-up' && !!s.error);

/**
 * @tag step-up-dialog
 * @summary The mandatory second factor after a password (再次认证), as a modal
 * dialog that opens and closes by itself with the client's state: face
 * recognition with 个人所得税APP or 电子税务局APP (the QR of `<qr-login-panel
 * mode="face">`), or an SMS code (`<sms-verify>`), switchable at any time;
 * then, when the server asks, the identity choice (身份类型选择, or for an
 * agent 选择代理的企业, the enterprise to act for). After a
 * failed face check it offers 改用短信验证 and, while attempts are left, 重新扫码;
 * a flow that ends (timed out, locked, refused) is explained with 重新登录.
 * Focus moves into the dialog when it opens and stays there (Tab wraps); Esc
 * and the close button cancel the flow, and focus returns to the element that
 * had it before (usually the 登录 button).
 *
 * @fires etax-method-chosen - The person chose a method: `{ method }`.
 * @fires etax-cancel - Unless `embedded`: the flow ended without login — `{ reason: 'user' }` when the person closed the dialog (Esc or 关闭), else `denied`, `cancelled` or `expired`.
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
 * @csspart title - The heading (再次认证, 身份类型选择 or, for an agent, 选择代理的企业).
 * @csspart close - The close button.
 * @csspart methods - The list of methods (a radio group: one is chosen).
 * @csspart method - Each method (a radio).
 * @csspart face - The face-recognition panel (the embedded `<qr-login-panel>` with its instructions and status), while a face QR is asked for or on screen.
 * @csspart sms - The SMS panel (the embedded `<sms-verify>`).
 * @csspart identity - The identity choice form.
 * @csspart status - The status line, announced to screen readers: a failed or expired face QR, a failed face check, the identity step, a finished flow.
 * @csspart busy - While the server is busy: when the dialog asks again by itself.
 *
 * @cssprop --etax-step-up-width - Width of the dialog, never wider than the screen; default 34rem.
 * @cssprop --etax-step-up-padding - Space inside the dialog; default `--etax-spacing` (16px).
 * @cssprop --etax-step-up-radius - Corner radius of the dialog; default `--etax-radius` (6px).
 * @cssprop --etax-step-up-backdrop - The backdrop over the page; default `--etax-color-scrim`.
 * @cssprop --etax-qr-size - Side of the face-recognition QR (of `<qr-login-panel>`); default 200px.
 */
export class StepUpDialog extends EtaxElement {
  static override styles = [tokens, controls, styles];

  static override properties = { __focusedMethod: { state: true }, __chosenIdentity: { state: true } };

  /* Public properties: `base-url`, `transport`, `client`, `clientOptions`, `lang`, `strings`, `theme`, `large-text`, `embedded` (from EtaxElement). */

  /** The method that takes Tab (roving focus), while the person moves with the arrow keys. */
  private __focusedMethod?: StepUpMethod;

  /** The identity ticked in 身份类型选择. */
  private __chosenIdentity?: string;

  /** The face method last asked for, for 重试 after a failed request. */
  private __lastMethod?: FaceMethod;
  /** Where focus was before the dialog opened. */
  private __opener: HTMLElement | null = null;
  /** Move focus to the state's main control after the next render. */
  private __refocus = false;
  /** The kind of state the last render showed. */
  private __shown?: LoginStateKind;

  /** Re-renders each second while the flow's remaining time is shown. */
  protected readonly ticker = new Ticker(this, () => this.__wantsOpen && 'expiresAt' in this.state);

  private get __dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  private get __wantsOpen(): boolean {
    return open(this.state.kind);
  }

  /* ----------------------------------------------------------- lifecycle */

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // A removed modal dialog stays "open" without being modal: close it, so it opens modally again if put back.
    this.__dialog?.close();
    this.__restoreFocus();
  }

  protected override stateChanged(state: LoginState, previous: LoginState): Event[] {
    const kind = state.kind;
    if (kind === 'identity' && previous.kind !== 'identity') this.__chosenIdentity = state.identities[0]?.id;
    if (kind === 'step-up' && state.pending) this.__lastMethod = state.pending;
    // A new failure, identity step or ending moves focus to its main control.
    if (
      (['face-failed', 'identity', 'flow-ended'].includes(kind) && kind !== previous.kind) ||
      (kind === 'step-up' && state.error && !('error' in previous && previous.error))
    )
      this.__refocus = true;
    return super.stateChanged(state, previous);
  }

  protected override updated(): void {
    const dialog = this.__dialog!;
    if (this.__wantsOpen && !dialog.open) {
      this.__opener = deepActiveElement();
      dialog.showModal();
      this.__refocus = true;
    } else if (!this.__wantsOpen && dialog.open) {
      dialog.close();
      this.__restoreFocus();
    }
    // Only a new step moves focus: within one (SMS sending → sent) the embedded element places it.
    const kind = this.state.kind;
    const changed = this.__shown !== kind;
    this.__shown = kind;
    if (!dialog.open) return;
    // Focus follows the state when its main control changed, or when the focused control went away with it.
    const root = this.renderRoot as ShadowRoot;
    const active = root.activeElement;
    if (this.__refocus || (changed && (!active || active === dialog)))
      (root.querySelector<HTMLElement>('[data-focus]') ?? root.querySelector<HTMLElement>('.close'))!.focus();
    this.__refocus = false;
  }

  /* -------------------------------------------------------------- handlers */

  /** Esc: the dialog's own cancel. */
  private __onCancel(event: Event) {
    event.preventDefault();
    this.close();
  }

  /** Tab and Shift+Tab wrap around inside the dialog. */
  private __onKeydown(event: KeyboardEvent) {
    if (event.key !== 'Tab') return;
    const list = tabbables(this.__dialog!);
    const at = list.indexOf(event.composedPath()[0] as HTMLElement);
    if (event.shiftKey ? at > 0 : at > -1 && at < list.length - 1) return;
    event.preventDefault();
    list[event.shiftKey ? list.length - 1 : 0]?.focus();
  }

  /**
   * Arrow keys, Home and End move between the methods; Enter or Space chooses.
   * Moving does not choose: a face method asks the server for a QR, which the
   * person should not set off by looking through the list.
   */
  private __onMethodKeydown(event: KeyboardEvent, methods: StepUpMethod[]) {
    const at = methods.indexOf((event.target as HTMLElement).dataset.method as StepUpMethod);
    const to = rove(event, at, methods.length);
    if (to === undefined) return;
    this.__focusedMethod = methods[to];
    this.renderRoot.querySelector<HTMLElement>(`#method-${methods[to]}`)!.focus();
  }

  private __onMethodsFocusout(event: FocusEvent) {
    if (!(event.currentTarget as HTMLElement).contains(event.relatedTarget as Node | null))
      this.__focusedMethod = undefined;
  }

  /** Picks or switches the method. The one on show is asked for again only after a failure (重新扫码, 重试). */
  private __choose(method: StepUpMethod) {
    const s = this.state;
    const client = this.login.client;
    if (!client || !inStepUp(s) || s.kind === 'face-verifying') return;
    if (method === this.__selectedMethod(s) && !failed(s)) return;
    if (method !== 'sms') this.__lastMethod = method;
    try {
      void client.chooseStepUp(method);
    } catch {
      return; // no longer possible (the state moved on); the view shows what is
    }
    this.dispatchEvent(new EtaxMethodChosenEvent({ method }));
  }

  private __onIdentityChange(event: Event) {
    this.__chosenIdentity = (event.target as HTMLInputElement).value;
  }

  private __onIdentitySubmit(event: SubmitEvent) {
    event.preventDefault();
    const s = this.state;
    if (s.kind !== 'identity' || s.pending || !this.__chosenIdentity) return;
    try {
      void this.login.client?.chooseIdentity(this.__chosenIdentity);
    } catch {
      // The flow moved on; the view shows where it is.
    }
  }

  /* -------------------------------------------------------- public methods */

  /** Whether the dialog is showing. */
  get open(): boolean {
    return !!this.__dialog?.open;
  }

  /**
   * Closes the dialog as the close button does: an ongoing flow is cancelled
   * (`etax-cancel` with `reason: 'user'`), then the client goes back to the
   * login page. A flow that had already ended is just left.
   */
  close(): void {
    const client = this.login.client;
    const kind = this.state.kind;
    if (!client || !open(kind)) return;
    // The cancel's `etax-cancel` ({ reason: 'user' }) comes with the state change, from whoever tells the events.
    if (kind !== 'flow-ended') void client.cancel();
    this.__restart();
  }

  /* --------------------------------------------------------------- helpers */

  /** Back to the login page: a new QR login, as the page starts. */
  private __restart() {
    const client = this.login.client;
    if (client?.state.kind === 'flow-ended') void client.startQr();
  }

  private __restoreFocus() {
    const opener = this.__opener;
    this.__opener = null;
    if (opener?.isConnected) opener.focus();
  }

  private __selectedMethod(s: LoginState): StepUpMethod | undefined {
    if (s.kind === 'sms') return 'sms';
    if ('method' in s) return s.method;
    if (s.kind === 'step-up') return s.pending ?? (s.error ? this.__lastMethod : undefined);
  }

  /* ---------------------------------------------------------------- render */

  private __renderMethods(s: StepUpState, selected: StepUpMethod | undefined): TemplateResult {
    const t = this.t;
    const methods = ORDER.filter((m) => s.methods.includes(m));
    const roving = this.__focusedMethod ?? (selected && methods.includes(selected) ? selected : methods[0]);
    // A choice of one, drawn as one (a ring beside each, filled for the chosen): a radio group.
    return html`<div
      part="methods"
      class="methods"
      role="radiogroup"
      aria-label=${t.stepUp.methodsLabel}
      @keydown=${(e: KeyboardEvent) => this.__onMethodKeydown(e, methods)}
      @focusout=${this.__onMethodsFocusout}
    >
      ${methods.map(
        (m) =>
          html`<button
            type="button"
            part="method"
            role="radio"
            id="method-${m}"
            data-method=${m}
            aria-checked=${m === selected}
            aria-disabled=${s.kind === 'face-verifying'}
            tabindex=${m === roving ? 0 : -1}
            ?data-focus=${m === roving && !failed(s)}
            @click=${() => this.__choose(m)}
          >
            ${t.stepUp.methods[m]}
          </button>`,
      )}
    </div>`;
  }

  private __renderPanel(s: StepUpState, selected: StepUpMethod): TemplateResult {
    const shown = s.methods.includes(selected);
    const client = this.login.client;
    const { lang } = this.t;
    // The embedded elements show their own states and announce them; the dialog adds what to do next.
    return html`<div
      id="panel"
      part=${selected === 'sms' ? 'sms' : 'face'}
      role="group"
      aria-labelledby=${shown ? `method-${selected}` : nothing}
      aria-label=${shown ? nothing : this.t.stepUp.methods[selected]}
      aria-busy=${s.kind === 'step-up' && !!s.pending}
    >
      ${
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
            ></qr-login-panel>`
      }
    </div>`;
  }

  private __renderIdentity(s: Extract<LoginState, { kind: 'identity' }>): TemplateResult {
    const t = this.t;
    return html`<form part="identity" @submit=${this.__onIdentitySubmit}>
      <fieldset aria-busy=${!!s.pending}>
        <legend id="intro" class="muted">${t.identity[s.reason]}</legend>
        ${s.identities.map(
          (i) =>
            html`<label class="choice">
              <input
                type="radio"
                name="identity"
                .value=${i.id}
                .checked=${i.id === this.__chosenIdentity}
                ?data-focus=${i.id === this.__chosenIdentity}
                @change=${this.__onIdentityChange}
              />
              <span>
                <bdi class="name">${i.name}</bdi>
                ${roleOf(i, t) ? html`<bdi>${roleOf(i, t)}</bdi>` : nothing}
                ${i.taxpayerId ? html`<bdi class="muted">${i.taxpayerId}</bdi>` : nothing}
              </span>
            </label>`,
        )}
      </fieldset>
      <button class="etax-primary" aria-disabled=${!!s.pending}>
        ${s.pending ? t.login.submitting : t.identity.confirm}
      </button>
    </form>`;
  }

  override render(): TemplateResult {
    const t = this.t;
    const u = t.stepUp;
    const s = this.state;
    const step = inStepUp(s) ? s : undefined;
    const selected = this.__selectedMethod(s);
    const left = 'expiresAt' in s ? secondsUntil(s.expiresAt) : 0;
    // While the server is busy, when the dialog asks again (the face QR's panel says it beside its QR).
    const busyFor = 'retryAt' in s && !('qr' in s) ? secondsUntil(s.retryAt) : 0;
    const last = this.__lastMethod;
    // The status line says what the embedded elements do not: a face QR that failed or ran out and a failed
    // face check (no empty QR frame is left on show for them), the identity step, a finished flow.
    const ended = s.kind === 'flow-ended';
    const failure = s.kind === 'identity' || s.kind === 'step-up' ? s.error : undefined;
    const faceFailed = s.kind === 'face-failed' && faceFailedMessage(t, s);
    const error = ended ? s.reason !== 'cancelled' : !!failure || !!faceFailed;
    const status = ended
      ? s.error && /locked|error/.test(s.reason)
        ? this.message(s.error)
        : t.login.ended[s.reason]
      : failure
        ? this.message(failure)
        : faceFailed || (s.kind === 'identity' && s.pending ? t.login.submitting : '');
    // The SMS form, or a face QR being asked for or on screen.
    const panel = !!selected && (selected === 'sms' || (!faceFailed && !failure));
    // What to do next, the first one foremost: its words, and the method to ask for (none: 重新登录).
    const actions = (
      s.kind === 'face-failed'
        ? [
            s.methods.includes('sms') && [u.useSms, 'sms'],
            s.attemptsLeft > 0 && s.methods.includes(s.method) && [u.faceRetry, s.method],
          ]
        : s.kind === 'step-up' && s.error && last && s.methods.includes(last)
          ? [[s.error.code === 'qr_expired' ? t.qr.refresh : t.qr.retry, last]]
          : ended
            ? [[t.login.restart]]
            : []
    ).filter(Boolean) as [string, StepUpMethod?][];
    return html`<dialog
      part="dialog"
      lang=${t.lang}
      aria-labelledby="title"
      aria-describedby=${ended ? 'status' : 'intro'}
      @cancel=${this.__onCancel}
      @close=${this.__restoreFocus}
      @keydown=${this.__onKeydown}
    >
      <div class="bar">
        <h2 id="title" part="title">
          ${s.kind !== 'identity' ? u.title : s.reason === 'client' ? t.identity.clientTitle : t.identity.title}
        </h2>
        <button type="button" part="close" class="close" aria-label=${u.close} @click=${this.close}>
          <span aria-hidden="true">×</span>
        </button>
      </div>
      ${
        step
          ? html`<p id="intro" class="muted">${u.intro}</p>
              ${this.__renderMethods(step, selected)}${selected && panel ? this.__renderPanel(step, selected) : nothing}`
          : nothing
      }
      ${s.kind === 'identity' ? this.__renderIdentity(s) : nothing}
      <p id="status" part="status" role="status" class="status ${error ? 'etax-error' : ''}">${status}</p>
      ${busyFor ? html`<p part="busy" class="muted">${t.busy(t.duration(busyFor))}</p>` : nothing}
      ${
        actions.length
          ? html`<div class="actions">
              ${actions.map(
                ([words, method], i) =>
                  html`<button
                    type="button"
                    class=${i ? '' : 'etax-primary'}
                    ?data-focus=${!i}
                    @click=${() => (method ? this.__choose(method) : this.__restart())}
                  >
                    ${words}
                  </button>`,
              )}
            </div>`
          : nothing
      }
      ${left > 0 ? html`<p class="muted expiry">${u.expiresIn(t.duration(left))}</p>` : nothing}
      <slot name="help"></slot>
    </dialog>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'step-up-dialog': StepUpDialog;
  }
}
