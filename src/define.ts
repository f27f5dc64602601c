/**
 * `etax-login/define`: registers all four elements — `<etax-login>`,
 * `<qr-login-panel>`, `<step-up-dialog>`, `<sms-verify>` — and exports
 * everything the main entry does.
 */
// A bundle keeps this import order. The QR panel first puts the QR encoder first, so that the client,
// translations, styles and elements after it are close enough together for gzip's 32 KB window.
import './components/qr-login-panel/define.js';
import './components/etax-login/define.js';
import './components/sms-verify/define.js';

export * from './index.js';
