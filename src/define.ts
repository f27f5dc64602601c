/**
 * `etax-login/define`, and the drop-in `etax-login.min.js` built from it:
 * registers all four elements — `<etax-login>`, `<qr-login-panel>`,
 * `<step-up-dialog>`, `<sms-verify>` — and exports their classes and
 * `createLoginClient` (to share one client between standalone elements).
 * Events, translations and the rest of the API are in the main entry,
 * `etax-login`; leaving them out keeps the file a page loads small.
 */
import './components/etax-login/define.js';
import './components/qr-login-panel/define.js';
import './components/step-up-dialog/define.js';
import './components/sms-verify/define.js';

export * from './elements.js';
