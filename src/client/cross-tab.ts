/**
 * Logins completed in other tabs of the site: a tab that completes one tells
 * the others, and a tab that hears of one ends its own flow.
 */
import { stageOf, type Core } from './core.js';
import { signIn } from './flow.js';
import { urlOf } from './http.js';

/** Tells this document's messages to other tabs from theirs. */
let documentId: number | undefined;

interface Message {
  type?: unknown;
  from?: unknown;
  redirectUrl?: unknown;
}

/** Listens for a login completed in another tab of the site (once per client, unless turned off). */
export function listenToOtherTabs(core: Core): void {
  if (core.channel || core.options.crossTab === false || !globalThis.BroadcastChannel) return;
  documentId ??= Math.random();
  core.channel = new BroadcastChannel(`etax-login:${urlOf(core.options, '')}`);
  core.channel.onmessage = ({ data }: MessageEvent<Message | null>) => {
    if (data?.type !== 'authenticated' || data.from === documentId || stageOf(core.state.kind) === 'over') return;
    signIn(core, 'other-tab', { redirectUrl: typeof data.redirectUrl === 'string' ? data.redirectUrl : undefined });
  };
}

/** Tells the other tabs that this one completed a login. */
export const tellOtherTabs = (core: Core, redirectUrl: string | undefined): void =>
  core.channel?.postMessage({ type: 'authenticated', from: documentId, redirectUrl });
