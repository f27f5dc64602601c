/**
 * `etax-login/define`: registers all four elements — `<etax-login>`,
 * `<qr-login-panel>`, `<step-up-dialog>`, `<sms-verify>` — and exports
 * everything the main entry does.
 */
import './components/etax-login/define.js';
import './components/sms-verify/define.js';

export * from './index.js';
