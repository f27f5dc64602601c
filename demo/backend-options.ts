/**
 * The demo's backend, wherever it runs (the demo server in Node, or msw in the
 * page of the static build): where its API lives and how it behaves.
 */
import type { FlowInfo, MockBackendOptions } from '../src/mock/index.js';

/** The account the simulated phone's apps are signed in to at first. */
export const QR_ACCOUNT = 'wangxiuying';

export const DEMO_BACKEND: MockBackendOptions = {
  baseUrl: '/api/etax-login',
  // A QR that runs out ends its flow, as on the real portals (the element then fetches a new one).
  qrRotates: false,
  qrAccount: QR_ACCOUNT,
  redirectUrl: '/portal/home',
};

/**
 * Where the demo server answers the operator's controls of the server panel
 * (development only: faults, latency, expiry, locks; production has no such route).
 */
export const DEV_PATH = '/dev/demo';

/**
 * Where the demo server plays the tax apps' backend for the demo's phone: it
 * signs each request with the app API's secret, which never reaches the page,
 * and sends it to the app API over HTTP.
 */
export const TAX_APP_PATH = '/demo/tax-app';

/** What the demo server sends the server panel after every change: the flows, as the operator sees them. */
export interface DemoSnapshot {
  change: { type: 'flow' | 'sms' | 'reset' | 'request' | 'hello' };
  flows: FlowInfo[];
}
