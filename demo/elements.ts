/**
 * The four elements, registered. The demo pages load this once the mock
 * backend answers, so the elements' first requests reach it.
 */
import '../src/components/etax-login/define.js';
import '../src/components/qr-login-panel/define.js';
import '../src/components/sms-verify/define.js';
import '../src/components/step-up-dialog/define.js';
