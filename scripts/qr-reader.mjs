// Reads QR codes in a PNG as a phone's camera app would: ZXing (zxing-wasm), strict
// (no inverted codes, no extra effort). Used by the QR tests (web-test-runner.config.mjs)
// and the bench (bench/run.mjs). The WebAssembly comes from the installed package.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

const wasm = readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm'));
prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.length) } });

/**
 * The QR codes in a PNG: each one's text, its symbol's box in the image's pixels
 * (without the quiet zone; the reader places it to about a pixel) and its modules
 * per side.
 * @param {Uint8Array} png
 */
export async function readQr(png) {
  const found = await readBarcodes(png, { formats: ['QRCode'], tryHarder: false, tryInvert: false });
  return found.map(({ text, position: { topLeft, topRight, bottomLeft, bottomRight }, symbol }) => {
    const xs = [topLeft.x, topRight.x, bottomLeft.x, bottomRight.x];
    const ys = [topLeft.y, topRight.y, bottomLeft.y, bottomRight.y];
    const box = { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
    return { text, box, modules: symbol.width };
  });
}
