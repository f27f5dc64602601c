/**
 * `etax-login/client`: the headless login client. No Lit, no rendering.
 * It polls (or long-polls); the push transports, Server-Sent Events
 * (`etax-login/client/sse`) and WebSocket (`etax-login/client/websocket`),
 * and the input validators (`etax-login/validators`) are entries of their own.
 */
export { createLoginClient, IllegalActionError } from './client.js';
export type { LoginClient, LoginClientEvents, LoginClientOptions, PasswordInput } from './client.js';
export type { BodyContext, BodyDecryptor, BodyEncryptor, HttpOptions } from './http.js';
export { PROTOCOL, PROTOCOL_VERSION, ProtocolError } from './protocol.js';
export type * from './protocol.js';
export type * from './state.js';
export type { Stream, StreamContext, StreamFactory } from './transports.js';
