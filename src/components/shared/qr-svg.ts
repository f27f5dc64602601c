/**
 * Draws a QR code as a Lit `svg` template from the module matrix of `qrcode`'s
 * `create()`: crisp at any size, no markup strings, nothing for Trusted Types
 * to refuse.
 */
import { html, svg, type TemplateResult } from 'lit';
import { create } from 'qrcode/lib/core/qrcode.js';

/** The path of the payload drawn last (a QR is redrawn each second while its countdown runs). */
let last = { text: '', d: '', size: 0 };

/**
 * One path of dark modules, run-length encoded per row, inside a 4-module quiet zone.
 * The payload is one byte segment (UTF-8), the mode every reader supports, at level M.
 */
export function qrPath(text: string): { d: string; size: number } {
  if (last.text !== text) {
    const { modules } = create([{ data: new TextEncoder().encode(text), mode: 'byte' }], { errorCorrectionLevel: 'M' });
    const n = modules.size;
    let d = '';
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        if (!modules.get(y, x)) continue;
        let run = 1;
        while (x + run < n && modules.get(y, x + run)) run++;
        d += `M${x + 4} ${y + 4}h${run}v1h-${run}z`;
        x += run - 1;
      }
    }
    last = { text, d, size: n + 8 };
  }
  return last;
}

/** The QR as an `<svg>` with an accessible name. */
export function qrSvg(text: string, label: string): TemplateResult {
  const { d, size } = qrPath(text);
  return html`<svg
    part="qr-code"
    role="img"
    aria-label=${label}
    viewBox="0 0 ${size} ${size}"
    shape-rendering="crispEdges"
  >
    ${svg`<rect width=${size} height=${size} fill="#fff"></rect><path d=${d} fill="#000"></path>`}
  </svg>`;
}
