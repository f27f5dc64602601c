/** Registers `<sms-verify>`. */
import { define } from '../shared/define.js';
import { SmsVerify } from './sms-verify.js';

define('sms-verify', SmsVerify);

export { SmsVerify };
