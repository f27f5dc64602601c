/**
 * The states the gallery shows, and how each card gets there: a real client
 * against the card's own mock backend, driven through the client's actions,
 * the mock's phone and server controls, or the element's own form as a person
 * fills it in. Nothing reaches into an element's internals.
 */
import type { LoginClient, PasswordInput } from '../src/client/client.js';
import type { LoginState } from '../src/client/state.js';
import { DEFAULT_PASSWORD, type MockBackendOptions, type MockControl } from '../src/mock/index.js';

export type ElementName = 'qr-login-panel' | 'etax-login' | 'step-up-dialog' | 'sms-verify';

export interface DriveContext {
  client: LoginClient;
  control: MockControl;
  /** The element the card shows. */
  el: HTMLElement;
  /** Resolves once the client's state passes `test` (now or later). */
  until(test: (s: LoginState) => boolean): Promise<void>;
}

export interface StateCard {
  id: string;
  element: ElementName;
  /** What the card shows, in both languages. */
  title: { 'zh-CN': string; en: string };
  /** The client state (`kind`, and more when it helps). */
  state: string;
  options?: MockBackendOptions;
  attributes?: Record<string, string>;
  /** Runs before the element is placed (faults the first request should meet). */
  prepare?: (control: MockControl) => void;
  drive?: (c: DriveContext) => Promise<void>;
}

const P = DEFAULT_PASSWORD;
const ENTERPRISE: PasswordInput = {
  entry: 'enterprise',
  fields: { taxpayerId: '91310110666007217T', account: 'wangxiuying' },
  password: P,
};
const CAPACITIES: PasswordInput = {
  entry: 'enterprise',
  fields: { taxpayerId: '91310115591693856A', account: 'liqiang' },
  password: P,
};
const AGENT: PasswordInput = {
  entry: 'agent',
  fields: { taxpayerId: '9144030071526726XG', account: 'zhaolei' },
  password: P,
};

const kind =
  (k: LoginState['kind']) =>
  (s: LoginState): boolean =>
    s.kind === k;
const smsPhase = (phase: string) => (s: LoginState) => s.kind === 'sms' && s.phase === phase;
const smsError = (code: string) => (s: LoginState) => s.kind === 'sms' && s.error?.code === code;

/* ------------------------------------------------------------ steps */

const qrShown = (c: DriveContext) => c.until(kind('qr-waiting'));

async function scanned(c: DriveContext, app: 'etax' | 'iit') {
  await qrShown(c);
  await c.control.scan(app);
  await c.until(kind('qr-scanned'));
}

async function stepUp(c: DriveContext, input = ENTERPRISE) {
  await c.client.submitPassword(input);
  await c.until(kind('step-up'));
}

async function face(c: DriveContext, method: 'face_iit' | 'face_etax') {
  await stepUp(c);
  await c.client.chooseStepUp(method);
  await c.until(kind('face-waiting'));
}

async function faceScanned(c: DriveContext, method: 'face_iit' | 'face_etax') {
  await face(c, method);
  await c.control.scan(method === 'face_iit' ? 'iit' : 'etax');
  await c.until(kind('face-scanned'));
}

async function sms(c: DriveContext, input = ENTERPRISE) {
  await stepUp(c, input);
  await c.client.chooseStepUp('sms');
  await c.until(kind('sms'));
}

async function smsSent(c: DriveContext, input = ENTERPRISE) {
  await sms(c, input);
  await c.client.sendSms();
  await c.until(smsPhase('sent'));
}

/** A code that is not the one sent. */
const wrongCode = (control: MockControl) => (control.lastCode === '000000' ? '111111' : '000000');

async function wrong(c: DriveContext) {
  await smsSent(c);
  await c.client.verifySms(wrongCode(c.control));
}

async function throttled(c: DriveContext) {
  await sms(c);
  c.control.throttle(60, { match: { method: 'POST', path: /\/sms$/ } });
  await c.client.sendSms();
  await c.until(smsError('sms_throttled'));
}

/**
 * The SMS step's states, shown inside the step-up dialog and by `<sms-verify>` alone.
 * `id`s are `<prefix>-idle`, `-sent`, `-wrong`, `-throttled`, `-locked`.
 */
function smsCards(element: ElementName, prefix: string): StateCard[] {
  return [
    {
      id: `${prefix}-idle`,
      element,
      title: { 'zh-CN': '获取验证码之前', en: 'Before a code is sent' },
      state: 'sms · idle',
      drive: (c) => sms(c),
    },
    {
      id: `${prefix}-sent`,
      element,
      title: { 'zh-CN': '验证码已发送', en: 'Code sent' },
      state: 'sms · sent',
      drive: (c) => smsSent(c),
    },
    {
      id: `${prefix}-wrong`,
      element,
      title: { 'zh-CN': '验证码错误', en: 'Wrong code' },
      state: 'sms · sms_code_invalid',
      drive: async (c) => {
        await wrong(c);
        await c.until(smsError('sms_code_invalid'));
      },
    },
    {
      id: `${prefix}-throttled`,
      element,
      title: { 'zh-CN': '获取验证码过于频繁', en: 'Codes asked for too often' },
      state: 'sms · sms_throttled',
      drive: throttled,
    },
    {
      id: `${prefix}-locked`,
      element,
      title: { 'zh-CN': '验证码错误次数过多', en: 'Too many wrong codes' },
      state: 'flow-ended · locked',
      options: { sms: { maxWrong: 1 } },
      drive: async (c) => {
        await wrong(c);
        await c.until(kind('flow-ended'));
      },
    },
  ];
}

async function identity(c: DriveContext, input: PasswordInput) {
  await smsSent(c, input);
  await c.client.verifySms(c.control.lastCode!);
  await c.until(kind('identity'));
}

/* ---------------------------------------------------- the login form */

/** The element's password form, as a person fills it in. */
function form(el: HTMLElement) {
  const f = el.querySelector('form')!;
  const field = (name: string) => f.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
  return {
    type(name: string, value: string) {
      const input = field(name);
      input.value = value;
      input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true }));
    },
    leave(name: string) {
      field(name).dispatchEvent(new FocusEvent('focusout', { bubbles: true, composed: true }));
    },
    submit: () => f.requestSubmit(),
  };
}

async function formShown(c: DriveContext) {
  await qrShown(c);
  await (c.el as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
}

/* ------------------------------------------------------------- cards */

const LONG: MockBackendOptions = { qrLifetime: 3600, flowLifetime: 3600, sms: {} };

const cards: StateCard[] = [
  // <qr-login-panel>
  {
    id: 'qr-loading',
    element: 'qr-login-panel',
    title: { 'zh-CN': '加载中', en: 'Loading' },
    state: 'qr-loading',
    prepare: (control) => control.setLatency(2_000_000_000),
  },
  {
    id: 'qr-waiting',
    element: 'qr-login-panel',
    title: { 'zh-CN': '等待扫码', en: 'Waiting for a scan' },
    state: 'qr-waiting',
    options: { matchCode: false },
    drive: qrShown,
  },
  {
    id: 'qr-match',
    element: 'qr-login-panel',
    title: { 'zh-CN': '等待扫码，带校验码', en: 'Waiting, with a check code' },
    state: 'qr-waiting · matchCode',
    drive: qrShown,
  },
  {
    id: 'qr-scanned-etax',
    element: 'qr-login-panel',
    title: { 'zh-CN': '已扫码（电子税务局APP）', en: 'Scanned (e-tax app)' },
    state: 'qr-scanned · etax',
    drive: (c) => scanned(c, 'etax'),
  },
  {
    id: 'qr-scanned-iit',
    element: 'qr-login-panel',
    title: { 'zh-CN': '已扫码（个人所得税APP）', en: 'Scanned (IIT app)' },
    state: 'qr-scanned · iit',
    drive: (c) => scanned(c, 'iit'),
  },
  {
    id: 'qr-confirmed',
    element: 'qr-login-panel',
    title: { 'zh-CN': '已在手机上确认', en: 'Confirmed on the phone' },
    state: 'authenticated · qr',
    drive: async (c) => {
      await scanned(c, 'iit');
      await c.control.confirm();
      await c.until(kind('authenticated'));
    },
  },
  {
    id: 'qr-expired',
    element: 'qr-login-panel',
    title: { 'zh-CN': '已失效', en: 'Expired' },
    state: 'qr-ended · expired',
    options: { qrRotates: false },
    attributes: { 'auto-refresh': '0' },
    drive: async (c) => {
      await qrShown(c);
      await c.control.expireQr();
      await c.until(kind('qr-ended'));
    },
  },
  {
    id: 'qr-denied',
    element: 'qr-login-panel',
    title: { 'zh-CN': '手机上拒绝', en: 'Refused on the phone' },
    state: 'qr-ended · denied',
    drive: async (c) => {
      await scanned(c, 'etax');
      await c.control.deny();
      await c.until(kind('qr-ended'));
    },
  },
  {
    id: 'qr-cancelled',
    element: 'qr-login-panel',
    title: { 'zh-CN': '手机上取消', en: 'Cancelled on the phone' },
    state: 'qr-ended · cancelled',
    drive: async (c) => {
      await scanned(c, 'etax');
      await c.control.cancel();
      await c.until(kind('qr-ended'));
    },
  },
  {
    id: 'qr-error',
    element: 'qr-login-panel',
    title: { 'zh-CN': '出错', en: 'Error' },
    state: 'qr-error · unavailable',
    prepare: (control) => control.failNext(1, 503, { method: 'POST', path: '/v1/flows/qr' }),
    drive: (c) => c.until(kind('qr-error')),
  },

  // <etax-login>
  {
    id: 'login-enterprise',
    element: 'etax-login',
    title: { 'zh-CN': '企业业务', en: 'Enterprise entry' },
    state: 'qr-waiting · enterprise',
    drive: formShown,
  },
  {
    id: 'login-individual',
    element: 'etax-login',
    title: { 'zh-CN': '自然人业务', en: 'Individual entry' },
    state: 'qr-waiting · individual',
    attributes: { entry: 'individual' },
    drive: formShown,
  },
  {
    id: 'login-agent',
    element: 'etax-login',
    title: { 'zh-CN': '代理业务', en: 'Agent entry' },
    state: 'qr-waiting · agent',
    attributes: { entry: 'agent' },
    drive: formShown,
  },
  {
    id: 'login-enterprise-invalid',
    element: 'etax-login',
    title: { 'zh-CN': '企业业务：未填写', en: 'Enterprise: nothing filled in' },
    state: 'validation · required',
    drive: async (c) => {
      await formShown(c);
      form(c.el).submit();
    },
  },
  {
    id: 'login-enterprise-checksum',
    element: 'etax-login',
    title: { 'zh-CN': '企业业务：校验位不符（提示，不阻止）', en: 'Enterprise: check digit mismatch (a warning)' },
    state: 'validation · warning',
    drive: async (c) => {
      await formShown(c);
      const f = form(c.el);
      f.type('taxpayerId', '91310110666007217A');
      f.leave('taxpayerId');
    },
  },
  {
    id: 'login-individual-invalid',
    element: 'etax-login',
    title: { 'zh-CN': '自然人业务：身份证号码有误', en: 'Individual: wrong ID number' },
    state: 'validation · account',
    attributes: { entry: 'individual' },
    drive: async (c) => {
      await formShown(c);
      const f = form(c.el);
      f.type('account', '110105194912310021');
      f.submit();
    },
  },
  {
    id: 'login-agent-invalid',
    element: 'etax-login',
    title: { 'zh-CN': '代理业务：纳税人识别号有误', en: 'Agent: malformed taxpayer ID' },
    state: 'validation · taxpayer ID',
    attributes: { entry: 'agent' },
    drive: async (c) => {
      await formShown(c);
      const f = form(c.el);
      f.type('taxpayerId', 'ABC123');
      f.type('account', 'zhaolei');
      f.submit();
    },
  },
  {
    id: 'login-wrong-password',
    element: 'etax-login',
    title: { 'zh-CN': '密码错误', en: 'Wrong password' },
    state: 'password failed · invalid_credentials',
    drive: async (c) => {
      await formShown(c);
      const f = form(c.el);
      f.type('taxpayerId', '91310110666007217T');
      f.type('account', 'wangxiuying');
      f.type('password', 'not-the-password');
      f.submit();
      await c.until((s) => 'password' in s && s.password.status === 'failed');
    },
  },
  {
    id: 'login-locked',
    element: 'etax-login',
    title: { 'zh-CN': '账号已锁定', en: 'Account locked' },
    state: 'password failed · account_locked',
    attributes: { entry: 'individual' },
    drive: async (c) => {
      await formShown(c);
      const f = form(c.el);
      f.type('account', 'liufang');
      f.type('password', P);
      f.submit();
      await c.until((s) => 'password' in s && s.password.status === 'failed');
    },
  },
  {
    id: 'login-success',
    element: 'etax-login',
    title: { 'zh-CN': '登录成功', en: 'Logged in' },
    state: 'authenticated',
    drive: async (c) => {
      await scanned(c, 'etax');
      await c.control.confirm();
      await c.until(kind('authenticated'));
    },
  },

  // <step-up-dialog>
  {
    id: 'dialog-methods',
    element: 'step-up-dialog',
    title: { 'zh-CN': '选择认证方式', en: 'Choosing a method' },
    state: 'step-up',
    drive: (c) => stepUp(c),
  },
  {
    id: 'dialog-face-iit',
    element: 'step-up-dialog',
    title: { 'zh-CN': '个人所得税APP扫码人脸识别', en: 'Face recognition, IIT app' },
    state: 'face-waiting · face_iit',
    drive: (c) => face(c, 'face_iit'),
  },
  {
    id: 'dialog-face-etax',
    element: 'step-up-dialog',
    title: { 'zh-CN': '电子税务局APP扫码人脸识别', en: 'Face recognition, e-tax app' },
    state: 'face-waiting · face_etax',
    drive: (c) => face(c, 'face_etax'),
  },
  {
    id: 'dialog-face-scanned-iit',
    element: 'step-up-dialog',
    title: { 'zh-CN': '已扫码（个人所得税APP）', en: 'Scanned (IIT app)' },
    state: 'face-scanned · iit',
    drive: (c) => faceScanned(c, 'face_iit'),
  },
  {
    id: 'dialog-face-scanned-etax',
    element: 'step-up-dialog',
    title: { 'zh-CN': '已扫码（电子税务局APP）', en: 'Scanned (e-tax app)' },
    state: 'face-scanned · etax',
    drive: (c) => faceScanned(c, 'face_etax'),
  },
  {
    id: 'dialog-face-verifying',
    element: 'step-up-dialog',
    title: { 'zh-CN': '正在核验人脸', en: 'Checking the face' },
    state: 'face-verifying',
    drive: async (c) => {
      await faceScanned(c, 'face_iit');
      await c.control.faceVerify();
      await c.until(kind('face-verifying'));
    },
  },
  {
    id: 'dialog-face-failed',
    element: 'step-up-dialog',
    title: { 'zh-CN': '人脸识别未通过', en: 'Face not recognised' },
    state: 'face-failed',
    drive: async (c) => {
      await faceScanned(c, 'face_iit');
      await c.control.faceFail();
      await c.until(kind('face-failed'));
    },
  },
  ...smsCards('step-up-dialog', 'dialog-sms'),
  {
    id: 'dialog-expired',
    element: 'step-up-dialog',
    title: { 'zh-CN': '登录超时', en: 'Timed out' },
    state: 'flow-ended · expired',
    drive: async (c) => {
      await stepUp(c);
      await c.control.expireFlow();
      await c.until(kind('flow-ended'));
    },
  },
  {
    id: 'dialog-identity-capacity',
    element: 'step-up-dialog',
    title: { 'zh-CN': '选择身份', en: 'Choosing a capacity' },
    state: 'identity · capacity',
    drive: (c) => identity(c, CAPACITIES),
  },
  {
    id: 'dialog-identity-client',
    element: 'step-up-dialog',
    title: { 'zh-CN': '选择代理的企业', en: 'Choosing a client' },
    state: 'identity · client',
    drive: (c) => identity(c, AGENT),
  },

  // <sms-verify>, on its own: the same SMS states.
  ...smsCards('sms-verify', 'sms'),
];

/** Every card, with lifetimes long enough that nothing runs out while one looks. */

export const CARDS: StateCard[] = cards.map((card) => ({
  ...card,
  options: { ...LONG, ...card.options, sms: { ...LONG.sms, ...card.options?.sms } },
}));
