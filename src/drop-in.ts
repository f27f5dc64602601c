/**
 * The drop-in `etax-login.min.js`: one self-contained module for a portal's
 * `<script type="module">`. It registers all four elements and exports their
 * classes and `createLoginClient` (to share one client between standalone
 * elements). Everything else — events, translations, the protocol's names — is
 * in the npm package; leaving it out keeps the file a page loads small.
 */
// First, as in `etax-login/define`: the bundle keeps this order (see src/define.ts).
import './define.js';

export { EtaxLogin, QrLoginPanel, SmsVerify, StepUpDialog } from './index.js';
export { createLoginClient } from './client/client.js';
