/** Steps of a person's login made through nginx with the page's API, as the element makes them. */
import type { FlowCreated } from '../../../src/client/protocol.js';
import { DEFAULT_PASSWORD } from '../../../src/mock/fixtures.js';
import type { Answer, Cluster } from '../cluster.js';

/** Demo accounts and the enterprise each acts for (one identity each). */
export const ENTERPRISE_OF: Record<string, string> = {
  wangxiuying: '91310110666007217T',
  liufang: '91420100MA4K2L7Q1C',
};

export { DEFAULT_PASSWORD };

export interface ErrorBody {
  error: { code: string; retryAfter?: number };
}

/** `POST /v1/flows/password` for the enterprise entry. */
export const password = (cluster: Cluster, account: string, typed: string) =>
  cluster.page<FlowCreated & ErrorBody>('/v1/flows/password', {
    json: { entry: 'enterprise', fields: { taxpayerId: ENTERPRISE_OF[account], account }, password: typed },
  });

/** A password flow at its step-up, right password. */
export async function stepUp(cluster: Cluster, account: string): Promise<FlowCreated> {
  const created = await password(cluster, account, DEFAULT_PASSWORD);
  if (created.status !== 201) throw new Error(`password: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

/** `POST /v1/flows/{id}/sms`: 获取验证码. */
export const sendSms = (cluster: Cluster, flow: FlowCreated): Promise<Answer<ErrorBody & { resendAfter?: number }>> =>
  cluster.page(`/v1/flows/${flow.flowId}/sms`, { token: flow.flowToken, json: {} });
