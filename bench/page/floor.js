/* global customElements */
// The floor of "first QR on screen": the least any Lit element that draws a QR
// with `qrcode` can do. `npm run bench` builds it with the drop-in's own pipeline
// (rollup.config.mjs `dropIn`: the same plugins and terser options) into
// bench/build/floor.min.js, loads it in the benchmark page exactly as it loads the
// drop-in, and reports the element's first QR as a ratio to it.
//
// `<qr-floor>` draws the same QR as `<qr-login-panel>` (one byte segment at level
// M, a 4-module quiet zone, one SVG path in a 200 px square) from a constant
// payload as long as the mock's. With a `base-url` it first makes REQUESTS, one after the other, as the
// element must before its QR: that is the second floor.
import { css, html, LitElement, svg } from 'lit';
import { create } from 'qrcode/lib/core/qrcode.js';

/**
 * The requests `<etax-login>` waits for before it can show its first QR, in
 * order. The client starts the QR flow at once and loads the capabilities beside
 * it, so the QR waits for `POST /v1/flows/qr` alone (a client that waited for the
 * capabilities first needed `['GET', '/v1/capabilities']` before it). Change it
 * here (and say so in docs/benchmarks.md) when the element's needs change.
 */
export const REQUESTS = [['POST', '/v1/flows/qr']];

/** 70 characters, as the mock backend's payloads: the same QR version as the element draws. */
const PAYLOAD = 'https://etax.example.invalid/qr/login/8f14e45fceea167a5a36dedd4bea2543';

class QrFloor extends LitElement {
  static properties = { payload: { state: true } };

  static styles = css`
    :host {
      display: block;
      width: 200px;
      height: 200px;
    }
    svg {
      width: 100%;
      height: 100%;
    }
  `;

  async connectedCallback() {
    super.connectedCallback();
    const base = this.getAttribute('base-url');
    for (const [method, path] of base ? REQUESTS : []) {
      const response = await fetch(base + path, {
        method,
        headers: { Accept: 'application/json', ...(method === 'POST' && { 'Content-Type': 'application/json' }) },
        ...(method === 'POST' && { body: '{}' }),
      });
      await response.json();
    }
    this.payload = PAYLOAD;
  }

  render() {
    if (!this.payload) return html``;
    const { modules } = create([{ data: new TextEncoder().encode(this.payload), mode: 'byte' }], {
      errorCorrectionLevel: 'M',
    });
    const n = modules.size;
    let d = '';
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++) {
        if (!modules.get(y, x)) continue;
        let run = 1;
        while (x + run < n && modules.get(y, x + run)) run++;
        d += `M${x + 4} ${y + 4}h${run}v1h-${run}z`;
        x += run - 1;
      }
    return html`<svg part="qr-code" viewBox="0 0 ${n + 8} ${n + 8}" shape-rendering="crispEdges">
      ${svg`<rect width=${n + 8} height=${n + 8} fill="#fff"></rect><path d=${d} fill="#000"></path>`}
    </svg>`;
  }
}

customElements.define('qr-floor', QrFloor);
