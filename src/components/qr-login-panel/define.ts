/** Registers `<qr-login-panel>`. */
import { define } from '../shared/define.js';
import { QrLoginPanel } from './qr-login-panel.js';

define('qr-login-panel', QrLoginPanel);

export { QrLoginPanel };
