/**
 * `etax-login`: the element classes and `createLoginClient` (as `etax-login/define`
 * exports them), the elements' events and translations, and the client's types.
 * Importing it registers nothing: import `etax-login/define` (all four elements) or
 * one element's define entry for that. The headless client's whole API
 * (`IllegalActionError`, `ProtocolError`, `PROTOCOL`, …) is `etax-login/client`,
 * which never pulls in Lit.
 */
export * from './elements.js';
export { EtaxElement } from './components/shared/etax-element.js';
export * from './components/events/index.js';
export { translations, translationFor } from './components/i18n/localize.js';
export type { PartialTranslation, Translation } from './components/i18n/translation.js';
export type { LoginClient, LoginClientEvents, LoginClientOptions, PasswordInput } from './client/client.js';
export type * from './client/protocol.js';
export type * from './client/state.js';
