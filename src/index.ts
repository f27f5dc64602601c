/**
 * `etax-login`: the element classes, their events and translations, and the
 * headless client. Importing it registers nothing: import `etax-login/define`
 * (all four elements) or one element's define entry for that. Headless users
 * import `etax-login/client`, which never pulls in Lit.
 */
export * from './client/index.js';
export { EtaxLogin } from './components/etax-login/etax-login.js';
export { QrLoginPanel } from './components/qr-login-panel/qr-login-panel.js';
export { SmsVerify } from './components/sms-verify/sms-verify.js';
export { StepUpDialog } from './components/step-up-dialog/step-up-dialog.js';
export { EtaxElement } from './components/shared/etax-element.js';
export * from './components/events/index.js';
export { translations, translationFor } from './components/i18n/localize.js';
export type { PartialTranslation, Translation } from './components/i18n/translation.js';
