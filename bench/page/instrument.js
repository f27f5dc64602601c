/* global window */
// Counts what is still open in the page: timers, fetches, EventSources,
// BroadcastChannels and WebOTP requests. `npm run bench` injects it before any
// script of the page runs (puppeteer's evaluateOnNewDocument), so the elements,
// the mock backend and msw all see the wrapped functions. Each open thing keeps
// the stack that opened it, so a leftover can be traced to its element.
(() => {
  const live = {
    timers: new Map(),
    fetches: new Map(),
    sources: new Set(),
    channels: new Set(),
    otp: new Map(),
  };
  let next = 0;
  /** The opener's stack, without this file's frames. */
  const opener = () =>
    (new Error().stack ?? '')
      .split('\n')
      .slice(1)
      .filter((line) => !line.includes('instrument') && !line.includes('pptr:'))
      .map((line) => line.trim())
      .join('\n');

  const { setTimeout: st, setInterval: si, clearTimeout: ct, clearInterval: ci, fetch: of } = window;

  window.setTimeout = function setTimeout(fn, ms, ...args) {
    const stack = opener();
    let id;
    const run =
      typeof fn === 'function'
        ? function (...a) {
            live.timers.delete(id);
            return fn.apply(this, a);
          }
        : fn;
    id = st.call(window, run, ms, ...args);
    live.timers.set(id, { kind: 'setTimeout', ms, stack });
    return id;
  };
  window.setInterval = function setInterval(fn, ms, ...args) {
    const id = si.call(window, fn, ms, ...args);
    live.timers.set(id, { kind: 'setInterval', ms, stack: opener() });
    return id;
  };
  // Browsers share one id space between the two and either clear function clears either kind.
  window.clearTimeout = function clearTimeout(id) {
    live.timers.delete(id);
    return ct.call(window, id);
  };
  window.clearInterval = function clearInterval(id) {
    live.timers.delete(id);
    return ci.call(window, id);
  };

  window.fetch = function fetch(input, init) {
    const id = ++next;
    const url = typeof input === 'string' ? input : (input?.url ?? String(input));
    live.fetches.set(id, { url, method: init?.method ?? input?.method ?? 'GET', stack: opener() });
    const done = () => live.fetches.delete(id);
    const promise = of.call(this, input, init);
    promise.then(done, done);
    return promise;
  };

  if (window.EventSource) {
    const Native = window.EventSource;
    window.EventSource = class EventSource extends Native {
      constructor(url, init) {
        super(url, init);
        this.__opener = opener();
        // Closed ones (by close() or by the browser after a fatal error) are dropped, so none is kept alive here.
        for (const s of live.sources) if (s.readyState === 2) live.sources.delete(s);
        live.sources.add(this);
      }
      close() {
        live.sources.delete(this);
        return super.close();
      }
    };
  }

  if (window.BroadcastChannel) {
    const Native = window.BroadcastChannel;
    window.BroadcastChannel = class BroadcastChannel extends Native {
      constructor(name) {
        super(name);
        this.__opener = opener();
        live.channels.add(this);
      }
      close() {
        live.channels.delete(this);
        return super.close();
      }
    };
  }

  const credentials = navigator.credentials;
  if (credentials?.get) {
    const get = credentials.get.bind(credentials);
    credentials.get = (options) => {
      const promise = get(options);
      if (options?.otp) {
        const id = ++next;
        live.otp.set(id, { stack: opener() });
        const done = () => live.otp.delete(id);
        promise.then(done, done);
      }
      return promise;
    };
  }

  /** What is open now, each with the stack that opened it. */
  window.__leftovers = () => ({
    at: performance.now(),
    timers: [...live.timers.values()],
    fetches: [...live.fetches.values()],
    eventSources: [...live.sources]
      .filter((s) => s.readyState !== 2)
      .map((s) => ({ url: s.url, readyState: s.readyState, stack: s.__opener })),
    broadcastChannels: [...live.channels].map((c) => ({ name: c.name, stack: c.__opener })),
    otpRequests: [...live.otp.values()],
  });
})();
