/** Registers `<qr-login-panel>`; loading it twice is harmless. */
import { QrLoginPanel } from './qr-login-panel.js';

export { QrLoginPanel };

const name = 'qr-login-panel';
if (!customElements.get(name)) customElements.define(name, QrLoginPanel);
