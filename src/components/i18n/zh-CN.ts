/**
 * Simplified Chinese, the default. The wording follows the Hubei e-tax
 * bureau's login instructions and the messages of the national login.
 */
import { inUnits, type Translation } from './translation.js';

const time = (s: number): string => {
  const [n, unit] = inUnits(s);
  return n + ['小时', '分钟', '秒'][unit];
};

export const zhCN: Translation = {
  lang: 'zh-CN',
  apps: { etax: '电子税务局APP', iit: '个人所得税APP' },
  duration: time,
  busy: (t) => `服务繁忙，${t}后自动重试`,

  login: {
    label: '电子税务局登录',
    qrTitle: '扫码登录',
    recommended: '推荐',
    passwordTitle: '用户名密码登录',
    entries: { enterprise: '企业业务', individual: '自然人业务', agent: '代理业务' },
    entryTabs: '登录入口',
    fields: {
      taxpayerId: '统一社会信用代码/纳税人识别号',
      agencyTaxpayerId: '代理机构统一社会信用代码/纳税人识别号',
      account: '居民身份证号码/手机号码/用户名',
      agentAccount: '代理人居民身份证号码/手机号码/用户名',
      password: '个人用户密码',
    },
    showPassword: '显示密码',
    hidePassword: '隐藏密码',
    submit: '登录',
    submitting: '正在登录…',
    forgotPassword: '忘记密码',
    register: '用户注册',
    helpTitle: 'APP便捷登录',
    helpIntro:
      '在手机APP上开启便捷登录（面容/扫脸/指纹/手势登录）后，登录APP更快捷，再扫描本页二维码即可直接登录，无需输入用户名密码或验证码。',
    helpPaths: {
      etax: '电子税务局APP：设置 → 便捷登录 → 开启面容/指纹登录',
      iit: '个人所得税APP：我的 → 安全中心 → 扫脸/指纹/手势登录',
    },
    success: '登录成功',
    successElsewhere: '您已在其他页面登录成功',
    redirecting: '正在跳转至首页…',
    locked: {
      title: '账号已锁定',
      other: '使用其他账号登录',
    },
    who: { user: '用户', capacity: '身份', enterprise: '企业', client: '代理企业' },
    ended: {
      expired: '登录已超时，请重新登录。',
      cancelled: '已取消登录。',
      denied: '已在手机上拒绝本次认证，请重新登录。',
      locked: '连续认证错误次数过多，您的账号已被锁定。',
      error: '登录过程中断，请重新登录。',
    },
    restart: '重新登录',
  },

  validation: {
    required: (field) => `请输入${field}`,
    taxpayerId: '纳税人识别号为15位、18位、20位数字和大写英文字母，请重新输入',
    usccChecksum: '统一社会信用代码校验位不符，请核对后登录（部分早期代码属正常情况）',
    idNumber: '居民身份证号码有误，请核对后重新输入',
    mobile: '手机号码有误，请输入11位手机号码',
    format: (field) => `${field}格式有误，请核对后重新输入`,
    tooShort: (field, n) => `${field}至少为${n}位，请核对后重新输入`,
    smsCode: (n) => `请输入${n}位数字验证码`,
    errorPrefix: '错误：',
    warningPrefix: '提示：',
  },

  qr: {
    label: '登录二维码',
    scanWith: (apps) => `请使用${apps}扫描二维码登录`,
    appsJoin: '或',
    loading: '二维码加载中…',
    remaining: (t) => `二维码${t}后失效`,
    scanned: (app) => `扫描成功，请在手机上确认（${app}）`,
    confirmed: '已确认，正在登录…',
    denied: '您已在手机上拒绝登录',
    cancelled: '您已在手机上取消登录',
    cancelledHere: '您已在本页取消登录',
    expired: '二维码已失效',
    refresh: '刷新二维码',
    retry: '重试',
    matchCode: (code) => `请确认手机上显示的校验码为 ${code}`,
  },

  stepUp: {
    title: '再次认证',
    intro: '为保障账户安全，请选择一种方式完成身份验证。',
    close: '关闭',
    methodsLabel: '认证方式',
    methods: { face_iit: '个人所得税APP扫码人脸识别', face_etax: '电子税务局APP扫码人脸识别', sms: '短信验证' },
    faceSteps: {
      face_iit:
        '打开手机“个人所得税APP”，登录后使用扫一扫功能扫描二维码。勾选授权协议，拖动验证滑块后开始人脸识别，按照提示完成指定动作。',
      face_etax: '打开手机“电子税务局APP”，使用扫一扫功能扫描二维码，按照系统提示完成指定动作即可通过人脸识别。',
    },
    faceScanned: (app) => `扫描成功，请在${app}上完成人脸识别`,
    verifying: '正在验证人脸识别结果…',
    faceFailed: (n, sms) => `人脸识别未通过，还可尝试${n}次。${sms ? '您也可以使用短信验证。' : ''}`,
    faceFailedFinal: '人脸识别未通过，请使用短信验证。',
    faceRetry: '重新扫码',
    useSms: '改用短信验证',
    qrExpired: '二维码已失效，请刷新二维码，或选择其他认证方式。',
    expiresIn: (t) => `请在${t}内完成认证`,
  },

  sms: {
    label: '短信验证',
    phone: (m) => `绑定手机号：${m}`,
    send: '获取验证码',
    sending: '正在发送…',
    resendIn: (s) => `${s}秒后重新获取`,
    sent: (m) => `验证码已发送到手机号：${m}`,
    code: '短信验证码',
    codeHint: (n) => `${n}位数字`,
    submit: '登录',
    verifying: '正在验证…',
    wrongCode: (n) => `验证码错误，还可尝试${n}次`,
    invalidCode: '验证码错误，请重新输入',
    codeExpired: '验证码已失效，请重新获取',
    throttled: (t) => `获取验证码过于频繁，请${t}后再试`,
    notSent: '请先获取验证码',
  },

  identity: {
    title: '身份类型选择',
    clientTitle: '选择代理的企业',
    capacity: '您在该企业有多个身份，请选择本次登录的身份。',
    client: '请选择本次代理办理业务的企业。',
    confirm: '确定',
  },

  errors: {
    invalid_credentials: (n) => `输入的个人账号或密码错误，请重新输入！${n ? `还可尝试${n}次。` : ''}`,
    invalid_taxpayer_id: '输入的统一社会信用代码或纳税人识别号错误，请重新输入',
    not_registered: '该用户未注册，请在自然人业务入口进行用户注册',
    account_locked: (t) => `连续认证错误次数过多，您的账号已被锁定${t ? `，请${t}后再试` : ''}。`,
    rate_limited: (t) => `操作过于频繁，请${t ? `${t}后` : '稍后'}再试。`,
    sms_locked: '验证码错误次数过多，请重新登录。',
    method_unavailable: '该认证方式暂不可用，请选择其他方式。',
    identity_invalid: '所选身份无效，请重新选择。',
    flow_expired: '登录已超时，请重新登录。',
    network: '网络连接失败，请检查网络后重试。',
    timeout: '服务器响应超时，请重试。',
    unavailable: '登录服务暂时不可用，请稍后重试。',
    malformed_response: '服务器返回了无法识别的数据，请稍后重试。',
    unsupported_protocol: '登录服务版本不兼容，请联系网站管理员。',
    encryption_failed: '登录页面的安全加密组件未能正常工作，请刷新页面或联系网站管理员。',
    busy: '登录服务繁忙，请稍后重试。',
    client_error: '登录组件运行出错，请刷新页面后重试。',
    other: '登录失败，请稍后重试。',
  },
};
