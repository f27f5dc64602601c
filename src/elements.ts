/**
 * The four element classes, and `createLoginClient` to share one client between
 * standalone elements: what the define entry registers and exports, and the heart
 * of the main entry. Importing it registers nothing.
 */
export { EtaxLogin } from './components/etax-login/etax-login.js';
export { QrLoginPanel } from './components/qr-login-panel/qr-login-panel.js';
export { SmsVerify } from './components/sms-verify/sms-verify.js';
export { StepUpDialog } from './components/step-up-dialog/step-up-dialog.js';
export { createLoginClient } from './client/client.js';
