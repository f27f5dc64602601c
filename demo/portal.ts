/**
 * The portal page of the demo: a provincial e-tax portal's login page with
 * `<etax-login>` as any portal embeds it. It holds no mock code: the demo
 * page around it (index.html) runs the mock backend, which answers this
 * page's requests too (msw's worker hands a frame's requests to the page that
 * started it), and plays the phone beside it — outside this page, so the
 * step-up dialog, which is modal here, leaves the phone usable.
 *
 * The demo page sets the element up first (language, theme, transport), then
 * says go, and the elements are registered: the first login already uses the
 * settings.
 */
const READY = 'etax-demo:portal-ready';
const GO = 'etax-demo:go';

if (window.parent === window) {
  // Opened alone, there is no backend: the demo is the page around it.
  location.replace('./');
} else {
  addEventListener('message', (event: MessageEvent<{ type?: string }>) => {
    if (event.source !== window.parent || event.origin !== location.origin || event.data?.type !== GO) return;
    void import('./elements.js');
  });
  window.parent.postMessage({ type: READY }, location.origin);
}
