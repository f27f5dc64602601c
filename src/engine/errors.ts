/**
 * The protocol's error object (§14): a code, its HTTP status, the message in
 * the deployment's language, and the members that go with it. Hosts turn an
 * `EngineError` into a response with `errorResponse()`.
 */
import { ERROR_STATUS, type ErrorBody, type ServerErrorCode } from '../client/protocol.js';

/** Messages for logs and as the page's fallback; the page shows its own wording for known codes. */
export const MESSAGES: Record<'zh-CN' | 'en', Record<ServerErrorCode, string>> = {
  'zh-CN': {
    invalid_request: '请求参数有误，请检查后重试',
    invalid_taxpayer_id: '输入的统一社会信用代码或纳税人识别号错误，请重新输入',
    invalid_credentials: '输入的个人账号或密码错误，请重新输入！',
    not_registered: '该用户未注册，请在自然人业务入口进行用户注册',
    account_locked: '连续认证错误次数过多，您的账号已被锁定',
    rate_limited: '操作过于频繁，请稍后再试',
    unauthorized: '登录凭证无效，请重新登录',
    forbidden: '请求来源不被允许，请从本网站页面登录',
    flow_not_found: '登录会话不存在或已结束，请重新登录',
    flow_expired: '登录会话已过期，请重新登录',
    invalid_state: '当前状态下不能进行该操作',
    method_unavailable: '该认证方式当前不可用，请选择其他认证方式',
    sms_throttled: '验证码发送过于频繁，请稍后再试',
    sms_not_sent: '请先获取短信验证码',
    sms_code_invalid: '短信验证码错误，请重新输入',
    sms_code_expired: '短信验证码已过期，请重新获取',
    sms_locked: '短信验证码错误次数过多，请稍后再试',
    identity_invalid: '所选身份无效，请重新选择',
    unsupported_version: '不支持的接口版本',
    internal_error: '系统繁忙，请稍后再试',
    unavailable: '服务暂不可用，请稍后再试',
  },
  en: {
    invalid_request: 'The request is malformed; check it and try again',
    invalid_taxpayer_id: 'The unified social credit code or taxpayer ID is wrong; enter it again',
    invalid_credentials: 'The account or password is wrong; enter them again',
    not_registered: 'This user is not registered; register through the individual entry',
    account_locked: 'Too many failed attempts: the account is locked',
    rate_limited: 'Too many requests; try again later',
    unauthorized: 'The login credential is not valid; log in again',
    forbidden: 'Requests from this origin are not allowed; log in from this site',
    flow_not_found: 'The login does not exist or has ended; log in again',
    flow_expired: 'The login has expired; log in again',
    invalid_state: 'This cannot be done at this step',
    method_unavailable: 'This verification method is not available; choose another',
    sms_throttled: 'Codes were requested too often; try again later',
    sms_not_sent: 'Request an SMS code first',
    sms_code_invalid: 'The SMS code is wrong; enter it again',
    sms_code_expired: 'The SMS code has expired; request a new one',
    sms_locked: 'Too many wrong SMS codes; try again later',
    identity_invalid: 'The chosen identity is not valid; choose again',
    unsupported_version: 'This API version is not supported',
    internal_error: 'The system is busy; try again later',
    unavailable: 'The service is unavailable for the moment; try again later',
  },
};

export type Language = keyof typeof MESSAGES;

export interface ErrorExtra {
  retryAfter?: number;
  attemptsLeft?: number;
  field?: string;
  /** A message of the host's own, in place of the code's (e.g. "the body is not JSON"). */
  message?: string;
}

/** A protocol error: the request is answered with it and nothing changed but what its code says. */
export class EngineError extends Error {
  override name = 'EngineError';
  readonly status: number;
  constructor(
    readonly code: ServerErrorCode,
    readonly extra: ErrorExtra = {},
  ) {
    super(extra.message ?? MESSAGES['zh-CN'][code]);
    this.status = ERROR_STATUS[code];
  }

  /** The error object, with the message in `lang` (zh-CN when the host has no other). */
  body(lang: Language = 'zh-CN'): ErrorBody {
    const { retryAfter, attemptsLeft, field, message } = this.extra;
    return {
      error: {
        code: this.code,
        message: message ?? MESSAGES[lang][this.code],
        ...(retryAfter === undefined ? {} : { retryAfter }),
        ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
        ...(field === undefined ? {} : { field }),
      },
    };
  }
}

/**
 * The store cannot answer now (Redis restarting or out of reach): the request
 * is answered `503 unavailable` with `Retry-After`, like any protocol error, a
 * stream is closed with a hint to come back, and the cause stays for the log.
 * A store throws it for every failure of its own; the engine lets it through.
 */
export class StoreUnavailableError extends EngineError {
  override name = 'StoreUnavailableError';
  constructor(cause?: unknown, retryAfter = 1) {
    super('unavailable', { retryAfter });
    this.cause = cause;
  }
}

/**
 * A phone-side or operator action asked of a flow that cannot take it (confirm
 * before a scan, a face QR scanned by the other app): a mistake of the caller,
 * not a protocol answer to the page.
 */
export class TransitionError extends Error {
  override name = 'TransitionError';
  constructor(
    message: string,
    /**
     * Why: the flow is not in a status that takes the action (`state`), there is
     * no such flow (`not_found`), or the flow is another account's (`forbidden`:
     * an app signed in to one account acting on a flow another account scanned
     * or logged in to).
     */
    readonly reason: 'state' | 'not_found' | 'forbidden' = 'state',
  ) {
    super(message);
  }
}

/** What a host sends for an error: status, headers (`Retry-After` with 423, 429, 503) and the body. */
export function errorResponse(
  e: EngineError,
  lang: Language = 'zh-CN',
): { status: number; headers: Record<string, string>; body: ErrorBody } {
  const retry = e.extra.retryAfter;
  return {
    status: e.status,
    headers: retry === undefined ? {} : { 'Retry-After': String(retry) },
    body: e.body(lang),
  };
}

/** The language of messages for an `Accept-Language` header: en when English comes before Chinese. */
export function languageOf(acceptLanguage: string | null | undefined): Language {
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase();
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}
