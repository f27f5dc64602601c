/**
 * The elements' QR encoder (`qr-matrix.ts`, `qrcode`'s modules without its
 * segment optimiser) against `qrcode`'s own `create()` given the same single
 * byte segment: the same symbol, module for module, across versions 1–40,
 * multi-block interleaving, version bits (7+) and UTF-8 text.
 */
import { expect } from '@open-wc/testing';
import QRCode from 'qrcode';
import { qrMatrix } from '../../src/components/shared/qr-matrix.js';

const reference = (text: string) =>
  QRCode.create([{ data: new TextEncoder().encode(text), mode: 'byte' }], { errorCorrectionLevel: 'M' });

/** Deterministic text of `length` characters from `alphabet`. */
function text(length: number, alphabet: string, seed: number): string {
  let s = '';
  for (let i = 0, x = seed; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += alphabet[x % alphabet.length];
  }
  return s;
}

const URLISH = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&()*+,;=%';

describe('qrMatrix', () => {
  const cases: [string, string][] = [
    ['a login payload', 'https://etax.example.invalid/qr/login/4f9c2a7be01d3c58'],
    ['one character', 'x'],
    ['digits only (still byte mode)', '0123456789012345'],
    ['Chinese text (UTF-8)', '湖北省电子税务局扫码登录'],
    ...[10, 40, 80, 120, 200, 300, 500, 900, 1500, 2300].map((n, i): [string, string] => [
      `${n} URL characters`,
      text(n, URLISH, i + 1),
    ]),
  ];
  for (const [name, payload] of cases) {
    it(`encodes ${name} exactly as qrcode does`, () => {
      const ours = qrMatrix(payload);
      const { modules, version } = reference(payload);
      expect(ours.size, `size (version ${version})`).to.equal(modules.size);
      const differing: string[] = [];
      for (let y = 0; y < modules.size; y++)
        for (let x = 0; x < modules.size; x++)
          if (!!ours.get(y, x) !== !!modules.get(y, x)) differing.push(`${x},${y}`);
      expect(differing, `modules differing in version ${version}`).to.deep.equal([]);
    });
  }

  it('covers small and large versions, with and without version bits', () => {
    const versions = cases.map(([, payload]) => reference(payload).version);
    expect(Math.min(...versions)).to.equal(1);
    expect(Math.max(...versions)).to.be.at.least(30);
    expect(versions.some((v) => v >= 7 && v < 30)).to.equal(true);
  });

  it('picks the same version as qrcode at every capacity boundary (the last byte each version holds, and one more)', () => {
    const sameAsReference = (payload: string) => {
      const { modules } = reference(payload);
      const ours = qrMatrix(payload);
      return (
        ours.size === modules.size &&
        modules.data.every((m, i) => !!m === !!ours.get(Math.floor(i / ours.size), i % ours.size))
      );
    };
    const wrong: string[] = [];
    let lo = 1;
    for (let version = 1; version < 40; version++) {
      // The longest text of this version, by binary search on qrcode's own choice.
      let hi = 2331;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (reference('a'.repeat(mid)).version <= version) lo = mid;
        else hi = mid - 1;
      }
      for (const n of [lo, lo + 1]) if (!sameAsReference(text(n, URLISH, n))) wrong.push(`${n} bytes`);
    }
    expect(wrong).to.deep.equal([]);
  });

  it('refuses text no QR code can hold', () => {
    expect(qrMatrix('x'.repeat(2331)).size).to.equal(177);
    expect(() => qrMatrix('x'.repeat(2332))).to.throw();
  });
});
