/**
 * Protocol v1 on the wire over the engine, for every host: `new Wire({ engine,
 * basePath }).fetch` answers web-standard requests, `openSocket()` serves a
 * WebSocket. The Node server and the in-page mock mount the same handlers.
 */
export { Wire, WS_CLOSE, type SseEvent, type StreamConnection, type WireOptions } from './handler.js';
