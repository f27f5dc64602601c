/**
 * The protocol engine: the server side of protocol v1 with no HTTP inside,
 * for hosts to put on the wire (the Node server, the in-page mock). Browser-
 * and Node-safe: Web Crypto and timers only.
 */
export { Engine, STORE_KEYS, type AttemptResult, type EngineOptions, type EngineChange } from './engine.js';
export {
  QR_PAYLOAD_MAX,
  checkSettings,
  settingsOf,
  type EngineSettings,
  type EngineSettingsInput,
  type RateRule,
} from './settings.js';
export type { Store, KeyEntry } from './store.js';
export { MemoryStore } from './memory-store.js';
export { systemClock, type Clock } from './clock.js';
export {
  MemoryDirectory,
  ROLE_LABELS,
  maskName,
  maskPhone,
  type AccountDirectory,
  type DirectoryAccount,
  type DirectoryData,
  type DirectoryEnterprise,
  type DirectoryLink,
  type IdentityOffer,
  type MemoryDirectoryOptions,
  type PasswordLogin,
  type PasswordVerdict,
  type Person,
} from './accounts.js';
export {
  SmsOutbox,
  TokenIssuer,
  smsText,
  type Completion,
  type IssuedSession,
  type SessionIssuer,
  type SmsMessage,
  type SmsSender,
} from './delivery.js';
export {
  EngineError,
  MESSAGES,
  StoreUnavailableError,
  TransitionError,
  errorResponse,
  languageOf,
  type ErrorExtra,
  type Language,
} from './errors.js';
export {
  TERMINAL,
  STEP_UP_OPEN,
  isLive,
  showsQr,
  viewOf,
  type FlowClient,
  type FlowKind,
  type FlowRecord,
  type Phase,
  type QrRecord,
  type Status,
} from './records.js';
export { readAfter, readWait, resumeAfter, socketAfter } from './wire.js';
