/**
 * Registers `<step-up-dialog>` and the elements it embeds (`<qr-login-panel>`,
 * `<sms-verify>`). Loading it twice, or beside their own define entries, is
 * harmless; without a custom-element registry (server-side rendering) it
 * registers nothing.
 */
import { QrLoginPanel } from '../qr-login-panel/qr-login-panel.js';
import { SmsVerify } from '../sms-verify/sms-verify.js';
import { StepUpDialog } from './step-up-dialog.js';

const define = (name: string, element: CustomElementConstructor) => {
  if (globalThis.customElements && !customElements.get(name)) customElements.define(name, element);
};

define('qr-login-panel', QrLoginPanel);
define('sms-verify', SmsVerify);
define('step-up-dialog', StepUpDialog);

export { StepUpDialog };
