/**
 * The module matrix of a QR code (level M, one byte segment), with the
 * `qrcode` package doing the hard parts: Reed–Solomon error correction over
 * GF(256), the error-correction block tables of every version, the choice of
 * mask by the standard's penalty rules, and the matrix itself.
 *
 * `qrcode`'s own `create()` also splits the text into numeric, alphanumeric,
 * kanji and byte segments with a shortest-path search (its `segments`, `mode`,
 * `version`, data and `regex` modules and `dijkstrajs`). A login payload is an
 * opaque URL or token, so the elements encode it as one byte segment, the mode
 * every reader supports, and leave that machinery out. With byte mode alone,
 * what remains of `qrcode.js`'s steps is short and written here: the version's
 * capacity, the bit stream, the finder, timing and alignment patterns, and the
 * BCH-coded format and version bits (formulas of ISO/IEC 18004; the steps follow
 * `qrcode/lib/core/qrcode.js`, MIT, © Ryan Day and contributors, after Kazuhiko
 * Arase's QRCode for JavaScript). The drop-in is ≈ 4 KB gzip lighter than with
 * `create()`. A test checks the result against `qrcode`'s own `create()`,
 * module for module, at every version's capacity boundary.
 */
import BitMatrix from 'qrcode/lib/core/bit-matrix.js';
import ECCode from 'qrcode/lib/core/error-correction-code.js';
import ECLevel from 'qrcode/lib/core/error-correction-level.js';
import MaskPattern from 'qrcode/lib/core/mask-pattern.js';
import ReedSolomonEncoder from 'qrcode/lib/core/reed-solomon-encoder.js';

export type QrMatrix = InstanceType<typeof BitMatrix>;

/** Level M (≈ 15 % of the symbol can be damaged), `qrcode`'s default. */
const level = ECLevel.M;

/** Bits of the byte count after the 4-bit mode indicator: 8 up to version 9, then 16. */
const countBits = (version: number) => (version < 10 ? 8 : 16);

/** Modules on a side. */
const sizeOf = (version: number) => version * 4 + 17;

/**
 * Rows (and columns) of the alignment patterns' centres: 6, then evenly spaced
 * to size − 7 (ISO/IEC 18004 annex E; version 32's step is the odd one out).
 */
const alignment = (version: number): number[] => {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = sizeOf(version);
  const step = size === 145 ? 26 : Math.ceil((size - 13) / (2 * count - 2)) * 2;
  return Array.from({ length: count }, (_, i) => (i ? size - 7 - (count - 1 - i) * step : 6));
};

/** All codewords of a version: the modules left after the function patterns, 8 to a codeword. */
const totalCodewords = (version: number) => {
  const a = version === 1 ? 0 : Math.floor(version / 7) + 2;
  const modules = (16 * version + 128) * version + 64 - (a ? 25 * a * a - 10 * a - 55 : 0) - (version >= 7 ? 36 : 0);
  return Math.floor(modules / 8);
};

/** Data codewords of a version at level M. */
const dataCodewords = (version: number) => totalCodewords(version) - ECCode.getTotalCodewordsCount(version, level);

/** `bits` followed by their BCH remainder by `generator`, a polynomial of degree `degree`. */
const bch = (bits: number, generator: number, degree: number) => {
  let d = bits << degree;
  for (let i = 31 - Math.clz32(d); i >= degree; i--) if ((d >> i) & 1) d ^= generator << (i - degree);
  return (bits << degree) | d;
};

/** Draws a `size`-square pattern at (row, col) from its dark predicate; modules outside the symbol are skipped. */
const pattern = (
  matrix: QrMatrix,
  row: number,
  col: number,
  from: number,
  to: number,
  dark: (r: number, c: number) => boolean,
) => {
  for (let r = from; r <= to; r++)
    for (let c = from; c <= to; c++)
      if (row + r >= 0 && row + r < matrix.size && col + c >= 0 && col + c < matrix.size)
        matrix.set(row + r, col + c, dark(r, c), true);
};

/** Format bits (level and mask) beside the finder patterns, and the dark module. */
const formatInfo = (matrix: QrMatrix, mask: number) => {
  const size = matrix.size;
  // Level and mask, their BCH(15,5) code, and the fixed mask 101010000010010.
  const bits = bch((level.bit << 3) | mask, 0x537, 10) ^ 0x5412;
  for (let i = 0; i < 15; i++) {
    const dark = ((bits >> i) & 1) === 1;
    matrix.set(i < 6 ? i : i < 8 ? i + 1 : size - 15 + i, 8, dark, true);
    matrix.set(8, i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i, dark, true);
  }
  matrix.set(size - 8, 8, true, true);
};

/** The data and error-correction codewords of `data`, interleaved by block. */
function codewords(data: Uint8Array, version: number): Uint8Array {
  const total = totalCodewords(version);
  const dataTotal = dataCodewords(version);
  // The data codewords, written bit by bit (most significant first) into zeros.
  const bytes = new Uint8Array(dataTotal);
  let bit = 0;
  const put = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--, bit++) if ((value >>> i) & 1) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  };
  put(0b0100, 4); // byte mode
  put(data.length, countBits(version));
  for (const byte of data) put(byte, 8);
  // A terminator of up to four zero bits, zeros to a whole byte, then the pad codewords 0xEC 0x11 alternately.
  bit = (Math.min(bit + 4, dataTotal * 8) + 7) & ~7;
  for (let i = 0; bit < dataTotal * 8; i++) put(i % 2 ? 0x11 : 0xec, 8);

  const blocks = ECCode.getBlocksCount(version, level);
  const inGroup1 = blocks - (total % blocks);
  const dataSize1 = Math.floor(dataTotal / blocks);
  const ecCount = Math.floor(total / blocks) - dataSize1;
  const rs = new ReedSolomonEncoder(ecCount);
  const dc: Uint8Array[] = [];
  const ec: Uint8Array[] = [];
  for (let b = 0, offset = 0; b < blocks; b++) {
    const size = b < inGroup1 ? dataSize1 : dataSize1 + 1;
    dc.push(bytes.slice(offset, (offset += size)));
    ec.push(rs.encode(dc[b]));
  }
  const out = new Uint8Array(total);
  let n = 0;
  for (let i = 0; i <= dataSize1; i++) for (const block of dc) if (i < block.length) out[n++] = block[i];
  for (let i = 0; i < ecCount; i++) for (const block of ec) out[n++] = block[i];
  return out;
}

/**
 * The smallest QR code (level M, byte mode, best mask) holding `text` as UTF-8.
 * Throws when the text is too long for any version.
 */
export function qrMatrix(text: string): QrMatrix {
  const data = new TextEncoder().encode(text);
  let version = 1;
  while (data.length > Math.floor((dataCodewords(version) * 8 - 4 - countBits(version)) / 8))
    if (++version > 40) throw new Error('Too much data for a QR code');
  const matrix = new BitMatrix(sizeOf(version));
  const size = matrix.size;

  // Finder patterns with their separators, timing patterns, alignment patterns.
  for (const [row, col] of [
    [0, 0],
    [size - 7, 0],
    [0, size - 7],
  ])
    pattern(matrix, row, col, -1, 7, (r, c) => {
      const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
      return ring !== 2 && ring !== 4;
    });
  for (let i = 8; i < size - 8; i++) {
    matrix.set(i, 6, i % 2 === 0, true);
    matrix.set(6, i, i % 2 === 0, true);
  }
  const centres = alignment(version);
  for (const row of centres)
    for (const col of centres)
      // Not where a finder pattern is (top left, top right, bottom left).
      if (!(row === 6 && (col === 6 || col === size - 7)) && !(row === size - 7 && col === 6))
        pattern(matrix, row, col, -2, 2, (r, c) => Math.max(Math.abs(r), Math.abs(c)) !== 1);

  // Reserve the format bits before the data goes in; version bits from version 7.
  formatInfo(matrix, 0);
  if (version >= 7) {
    const bits = bch(version, 0x1f25, 12);
    for (let i = 0; i < 18; i++) {
      const dark = ((bits >> i) & 1) === 1;
      const row = Math.floor(i / 3);
      const col = (i % 3) + size - 11;
      matrix.set(row, col, dark, true);
      matrix.set(col, row, dark, true);
    }
  }

  // The codewords, bit by bit, up and down two-module columns from the bottom right.
  const bits = codewords(data, version);
  let bit = 0;
  for (let col = size - 1, up = true; col > 0; col -= 2, up = !up) {
    if (col === 6) col--;
    for (let i = 0; i < size; i++) {
      const row = up ? size - 1 - i : i;
      for (let c = 0; c < 2; c++) {
        if (matrix.isReserved(row, col - c)) continue;
        matrix.set(row, col - c, ((bits[bit >> 3] >>> (7 - (bit & 7))) & 1) === 1);
        bit++;
      }
    }
  }

  const mask = MaskPattern.getBestMask(matrix, (m: number) => formatInfo(matrix, m));
  MaskPattern.applyMask(mask, matrix);
  formatInfo(matrix, mask);
  return matrix;
}
