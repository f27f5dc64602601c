/**
 * The demo's backend, wherever it runs (the demo server in Node, or msw in the
 * page of the static build): where its API lives and how it behaves.
 */
import type { FlowInfo, MockBackendOptions, SmsMessage } from '../src/mock/index.js';

/** The account the simulated phone's apps are signed in to at first. */
export const QR_ACCOUNT = 'wangxiuying';

export const DEMO_BACKEND: MockBackendOptions = {
  baseUrl: '/api/etax-login',
  // A QR that runs out ends its flow, as on the real portals (the element then fetches a new one).
  qrRotates: false,
  qrAccount: QR_ACCOUNT,
  redirectUrl: '/portal/home',
};

/** Where the demo server answers the phone's and the operator's actions (development only). */
export const DEV_PATH = '/dev/demo';

/** What the demo server sends the page after every change: what the phone and the operator see. */
export interface DemoSnapshot {
  change: { type: 'flow' | 'sms' | 'reset' | 'request' | 'hello' };
  flows: FlowInfo[];
  smsCodes: SmsMessage[];
}
