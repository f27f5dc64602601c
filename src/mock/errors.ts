/**
 * The uniform error of the mock backend: a protocol code, its HTTP status from
 * `ERROR_STATUS`, and the message the real service would show.
 */
import { ERROR_STATUS, type ErrorBody, type ServerErrorCode } from '../client/protocol.js';

const MESSAGES: Record<ServerErrorCode, string> = {
  invalid_request: '请求参数有误，请检查后重试',
  invalid_taxpayer_id: '输入的统一社会信用代码或纳税人识别号错误，请重新输入',
  invalid_credentials: '输入的个人账号或密码错误，请重新输入！',
  not_registered: '该用户未注册，请在自然人业务入口进行用户注册',
  account_locked: '连续认证错误次数过多，您的账号已被锁定',
  rate_limited: '操作过于频繁，请稍后再试',
  unauthorized: '登录凭证无效，请重新登录',
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
};

export interface ApiErrorExtra {
  retryAfter?: number;
  attemptsLeft?: number;
  field?: string;
  message?: string;
  /** HTTP status to use instead of the code's own (injected failures). */
  status?: number;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ServerErrorCode,
    readonly extra: ApiErrorExtra = {},
  ) {
    super(extra.message ?? MESSAGES[code]);
    this.status = extra.status ?? ERROR_STATUS[code];
  }

  get body(): ErrorBody {
    const { retryAfter, attemptsLeft, field } = this.extra;
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(retryAfter === undefined ? {} : { retryAfter }),
        ...(attemptsLeft === undefined ? {} : { attemptsLeft }),
        ...(field === undefined ? {} : { field }),
      },
    };
  }
}

/** The error code a bare HTTP status stands for, for injected failures. */
export const codeForStatus = (status: number): ServerErrorCode => {
  if (status === 429) return 'rate_limited';
  if (status === 503 || status === 502 || status === 504) return 'unavailable';
  if (status >= 500) return 'internal_error';
  return BY_STATUS[status] ?? 'invalid_request';
};

const BY_STATUS: Record<number, ServerErrorCode> = {
  401: 'unauthorized',
  404: 'flow_not_found',
  409: 'invalid_state',
  410: 'flow_expired',
  423: 'account_locked',
};
