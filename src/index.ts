/**
 * `etax-login`: the package's main entry.
 *
 * For now it only re-exports the headless client (`etax-login/client`).
 * The web components (`<etax-login>`, `<qr-login-panel>`, `<step-up-dialog>`,
 * `<sms-verify>`) will be exported from here when they land; headless users
 * keep importing `etax-login/client`, which never pulls in Lit.
 */
export * from './client/index.js';
