/**
 * Prometheus metrics of one instance, at `GET /metrics`: flows started and
 * ended by way and outcome, errors answered by code, open streams, request
 * durations. Each instance counts what it did; Prometheus sums the instances.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../../src/engine/index.js';
import { isLive } from '../../src/engine/index.js';
import type { Wire } from '../../src/wire/index.js';

export class Metrics {
  readonly registry = new Registry();
  readonly flowsStarted = new Counter({
    name: 'etax_login_flows_started_total',
    help: 'Login flows created, by way (qr, password).',
    labelNames: ['way'],
    registers: [this.registry],
  });
  readonly flowsEnded = new Counter({
    name: 'etax_login_flows_ended_total',
    help: 'Login flows ended, by way and outcome (authenticated, denied, cancelled, expired, locked).',
    labelNames: ['way', 'outcome'],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'etax_login_errors_total',
    help: 'Protocol errors answered, by code.',
    labelNames: ['code'],
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'etax_login_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (a long-poll counts its hold; a stream, its time to open).',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(engine: Engine, wire: () => Wire) {
    collectDefaultMetrics({ register: this.registry, prefix: 'etax_login_' });
    new Gauge({
      name: 'etax_login_open_streams',
      help: 'Open SSE and WebSocket connections, by transport.',
      labelNames: ['transport'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const t of ['sse', 'websocket']) this.set({ transport: t }, 0);
        for (const s of wire().streams) this.inc({ transport: s.transport });
      },
    });
    engine.onChange((change) => {
      if (change.type !== 'flow') return;
      const { flow, before } = change;
      if (!before) this.flowsStarted.inc({ way: flow.kind });
      else if (isLive(before) && !isLive(flow)) this.flowsEnded.inc({ way: flow.kind, outcome: flow.phase.status });
    });
  }
}
