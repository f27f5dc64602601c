/** Registers `<etax-login>` and the elements it renders. */
import '../step-up-dialog/define.js';
import '../qr-login-panel/define.js';
import { define } from '../shared/define.js';
import { EtaxLogin } from './etax-login.js';

define('etax-login', EtaxLogin);

export { EtaxLogin };
