/** Registers `<step-up-dialog>` and the elements it embeds, `<qr-login-panel>` and `<sms-verify>`. */
import { QrLoginPanel } from '../qr-login-panel/qr-login-panel.js';
import { define } from '../shared/define.js';
import { SmsVerify } from '../sms-verify/sms-verify.js';
import { StepUpDialog } from './step-up-dialog.js';

define('qr-login-panel', QrLoginPanel);
define('sms-verify', SmsVerify);
define('step-up-dialog', StepUpDialog);

export { StepUpDialog };
