/** English. */
import { inUnits, type Translation } from './translation.js';

/** "1 minute", "2 minutes". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
const time = (s: number): string => {
  const [n, unit] = inUnits(s);
  return count(n, ['hour', 'minute', 'second'][unit]);
};
const times = (n: number) => count(n, 'more attempt');
/** A field's label inside a sentence: "ID card number" stays, "Personal password" → "personal password". */
const lower = (label: string) => (/^.\p{Lu}/u.test(label) ? label : label.charAt(0).toLowerCase() + label.slice(1));

export const en: Translation = {
  lang: 'en',
  apps: { etax: 'e-Tax app', iit: 'Individual Income Tax app' },
  duration: time,
  busy: (t) => `The service is busy. Trying again in ${t}`,

  login: {
    label: 'e-Tax login',
    qrTitle: 'Scan to log in',
    recommended: 'Recommended',
    passwordTitle: 'Log in with password',
    entries: { enterprise: 'Enterprise', individual: 'Individual', agent: 'Agent' },
    entryTabs: 'Login type',
    fields: {
      taxpayerId: 'Unified social credit code / taxpayer ID',
      agencyTaxpayerId: 'Agency’s unified social credit code / taxpayer ID',
      account: 'ID card number / mobile number / username',
      agentAccount: 'Agent’s ID card number / mobile number / username',
      password: 'Personal password',
    },
    showPassword: 'Show password',
    hidePassword: 'Hide password',
    submit: 'Log in',
    submitting: 'Logging in…',
    forgotPassword: 'Forgot password',
    register: 'Register',
    helpTitle: 'Quick login in the app',
    helpIntro:
      'Turn on quick login (face, fingerprint or gesture) in the phone app: it opens faster, and scanning this page’s QR code then logs you in with no password or code.',
    helpPaths: {
      etax: 'e-Tax app: Settings → Quick login → Face / fingerprint login',
      iit: 'Individual Income Tax app: Me → Security centre → Face / fingerprint / gesture login',
    },
    success: 'Logged in',
    successElsewhere: 'You logged in on another page',
    redirecting: 'Taking you to the home page…',
    locked: {
      title: 'Account locked',
      other: 'Log in with another account',
    },
    who: { user: 'User', capacity: 'Capacity', enterprise: 'Enterprise', client: 'Client enterprise' },
    ended: {
      expired: 'The login timed out. Please log in again.',
      cancelled: 'The login was cancelled.',
      denied: 'The verification was declined on the phone. Please log in again.',
      locked: 'Too many failed attempts: your account is locked.',
      error: 'The login was interrupted. Please log in again.',
    },
    restart: 'Log in again',
  },

  validation: {
    required: (field) => `Enter your ${lower(field)}`,
    taxpayerId: 'A taxpayer ID has 15, 18 or 20 digits and capital letters. Please check it.',
    usccChecksum:
      'The check character of this credit code does not match. Please check it (some early codes are like this).',
    idNumber: 'This ID card number is not valid. Please check it.',
    mobile: 'Enter an 11-digit mainland mobile number.',
    format: (field) => `This ${lower(field)} is not in a form the service accepts. Please check it.`,
    tooShort: (field, n) => `The ${lower(field)} needs at least ${n} characters.`,
    smsCode: (n) => `Enter the ${n}-digit code`,
    errorPrefix: 'Error: ',
    warningPrefix: 'Note: ',
  },

  qr: {
    label: 'Login QR code',
    scanWith: (apps) => `Scan the QR code with the ${apps} to log in.`,
    appsJoin: ' or the ',
    loading: 'Loading the QR code…',
    remaining: (t) => `The QR code expires in ${t}`,
    scanned: (app) => `Scanned. Please confirm on your phone (${app}).`,
    confirmed: 'Confirmed. Logging in…',
    denied: 'The login was declined on the phone',
    cancelled: 'The login was cancelled on the phone',
    cancelledHere: 'You cancelled the login on this page',
    expired: 'The QR code has expired',
    refresh: 'Refresh QR code',
    retry: 'Try again',
    matchCode: (code) => `Check that your phone shows the code ${code}`,
  },

  stepUp: {
    title: 'Verify it’s you',
    intro: 'To protect your account, choose one way to verify your identity.',
    close: 'Close',
    methodsLabel: 'Verification method',
    methods: {
      face_iit: 'Face recognition (Individual Income Tax app)',
      face_etax: 'Face recognition (e-Tax app)',
      sms: 'Text message code',
    },
    faceSteps: {
      face_iit:
        'Open the Individual Income Tax app, log in and scan the QR code. Accept the authorisation, drag the slider, then follow the prompts for face recognition.',
      face_etax: 'Open the e-Tax app, scan the QR code and follow the prompts for face recognition.',
    },
    faceScanned: (app) => `Scanned. Complete face recognition in the ${app}.`,
    verifying: 'Checking the face recognition result…',
    faceFailed: (n, sms) =>
      `Face recognition failed. You have ${times(n)}${sms ? ', or use a text message code' : ''}.`,
    faceFailedFinal: 'Face recognition failed. Please use a text message code.',
    faceRetry: 'Scan again',
    useSms: 'Use a text message code',
    qrExpired: 'The QR code has expired. Refresh it, or choose another method.',
    expiresIn: (t) => `Please finish within ${t}`,
  },

  sms: {
    label: 'Text message verification',
    phone: (m) => `Registered phone: ${m}`,
    send: 'Send code',
    sending: 'Sending…',
    resendIn: (s) => `Resend in ${s} s`,
    sent: (m) => `A code was sent to ${m}`,
    code: 'Verification code',
    codeHint: (n) => `${n} digits`,
    submit: 'Log in',
    verifying: 'Checking…',
    wrongCode: (n) => `Wrong code. You have ${times(n)}.`,
    invalidCode: 'Wrong code. Please try again.',
    codeExpired: 'The code has expired. Please ask for a new one.',
    throttled: (t) => `Too many codes asked for. Please try again in ${t}.`,
    notSent: 'Please ask for a code first.',
  },

  identity: {
    title: 'Choose your role',
    clientTitle: 'Choose the enterprise to act for',
    capacity: 'You hold several roles for this enterprise. Choose the one for this session.',
    client: 'Choose the enterprise you act for in this session.',
    confirm: 'Continue',
  },

  errors: {
    invalid_credentials: (n) =>
      `The account or password is wrong. Please try again${n ? ` (${times(n)} before the account is locked)` : ''}.`,
    invalid_taxpayer_id: 'The credit code or taxpayer ID is wrong. Please check it.',
    not_registered: 'This user is not registered. Please register through the Individual entry.',
    account_locked: (t) => `Too many failed attempts: your account is locked${t ? `. Try again in ${t}` : ''}.`,
    rate_limited: (t) => `Too many attempts. Please try again ${t ? `in ${t}` : 'later'}.`,
    sms_locked: 'Too many wrong codes. Please log in again.',
    method_unavailable: 'This method is not available now. Please choose another.',
    identity_invalid: 'That choice is not valid. Please choose again.',
    flow_expired: 'The login timed out. Please log in again.',
    network: 'No connection. Check your network and try again.',
    timeout: 'The server took too long to answer. Please try again.',
    unavailable: 'The login service is unavailable. Please try again later.',
    malformed_response: 'The server sent something unexpected. Please try again later.',
    unsupported_protocol: 'The login service is not compatible. Please contact the site’s administrator.',
    encryption_failed:
      'The page’s security encryption is not working. Reload the page or contact the site’s administrator.',
    busy: 'The login service is busy. Please try again later.',
    client_error: 'The login component ran into an error. Reload the page and try again.',
    other: 'The login failed. Please try again later.',
  },
};
