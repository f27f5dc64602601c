/**
 * How the client follows a flow: the capabilities, what the flow's stream
 * needs (from the flow's own answer, else the capabilities), the choice of
 * transport, and the stream that carries the flow's states.
 */
import { call, type Core, type Flow, type Mode } from './core.js';
import { listenToOtherTabs } from './cross-tab.js';
import { asError } from './errors.js';
import { fail, flowPath, open } from './flow.js';
import { apply, deliver, retrying } from './server-states.js';
import { parseCapabilities, type Capabilities, type FlowCreated, type TransportName } from './protocol.js';
import { longPoll, poll, type StreamFactory } from './transports.js';

/** Loads the capabilities once; a failed load is tried again by the next call. */
export const loadCapabilities = (core: Core): Promise<Capabilities> =>
  (core.capabilitiesLoad ??= call(core, { method: 'GET', path: '/v1/capabilities', signal: core.root.signal }).then(
    (body) => {
      core.events.emit('capabilities', (core.capabilities = parseCapabilities(body)));
      return core.capabilities;
    },
  )).catch((e: unknown) => {
    core.capabilitiesLoad = undefined;
    throw asError(e);
  });

/** What a flow's stream needs. */
export interface StreamSettings {
  transports: TransportName[];
  /** Seconds. */
  pollInterval: number;
  longPollWait: number;
  heartbeat: number;
}

/**
 * The stream's settings from the flow's own answer, completed by the capabilities where it says
 * nothing. A flow whose answer names neither its transports nor its interval is followed once
 * the capabilities are loaded; the fallbacks below only complete the types.
 */
export const settingsOf = (created: FlowCreated, caps?: Capabilities): StreamSettings => ({
  transports: created.transports ?? caps?.transports ?? ['poll'],
  pollInterval: created.pollInterval ?? caps?.pollInterval ?? 2,
  longPollWait: created.longPollWait ?? caps?.longPollWait ?? 25,
  heartbeat: created.heartbeat ?? caps?.heartbeat ?? 15,
});

/**
 * Starts following a flow the server created: its first state at once, then its stream, when
 * its settings are known (else `startStream` once they are). Returns the flow while it goes on.
 */
export function follow(core: Core, created: FlowCreated, mode: Mode, settings?: StreamSettings): Flow | undefined {
  listenToOtherTabs(core);
  const flow = open(core, created, mode);
  apply(core, flow, created.state);
  if (core.flow !== flow) return; // already over (e.g. authenticated at once)
  if (settings) startStream(core, flow, settings);
  return flow;
}

const using = (core: Core, name: TransportName) => core.events.emit('transport', (core.transport = name));

/**
 * The transport asked for when the server offers it and the page allows it, else the best that
 * are (`poll` always is).
 */
export function startStream(core: Core, flow: Flow, settings: StreamSettings): void {
  const { options } = core;
  const factories: [TransportName, StreamFactory | undefined][] = [
    ['websocket', options.webSocket],
    ['sse', (options.EventSource ?? globalThis.EventSource) && options.sse],
    ['long-poll', longPoll(settings.longPollWait)],
    ['poll', poll],
  ];
  const offered = factories.filter(
    (entry): entry is [TransportName, StreamFactory] => !!entry[1] && settings.transports.includes(entry[0]),
  );
  const [name, factory] = offered.find(([n]) => n === options.transport) ?? offered[0]!;
  using(core, name);
  flow.stream = factory({
    options,
    path: flowPath(flow),
    token: flow.token,
    signal: flow.abort.signal,
    seq: () => flow.seq,
    deliver: (raw) => deliver(core, flow, raw),
    fail: (error) => fail(core, flow, error),
    using: (next) => using(core, next),
    expiresAt: flow.expiresAt,
    retrying: (at) => retrying(core, flow, at),
    pollInterval: settings.pollInterval * 1000,
    heartbeat: settings.heartbeat * 1000,
    maxFailures: options.maxFailures ?? 6,
  });
}
