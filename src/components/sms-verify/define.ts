/**
 * Registers `<sms-verify>`. Loading it twice, or beside a bundle that already
 * registered the element, is harmless.
 */
import { SmsVerify } from './sms-verify.js';

export { SmsVerify };

if (!customElements.get('sms-verify')) customElements.define('sms-verify', SmsVerify);
