/**
 * The module matrix of a QR code, built from the `qrcode` package's encoder
 * modules (version tables, Reed–Solomon, masks, format and version bits).
 *
 * `qrcode`'s own `create()` first splits the text into numeric, alphanumeric,
 * kanji and byte segments with a shortest-path search (its `segments`, `mode`,
 * `version` and data modules and `dijkstrajs`). A login payload is an opaque
 * URL or token, so the elements encode it as one byte segment, the mode every
 * reader supports, and leave that machinery out: with byte mode alone, the
 * version's capacity and the length field are one line each. The drop-in is
 * ≈ 3 KB gzip lighter for it. The steps below follow
 * `qrcode/lib/core/qrcode.js` (MIT, © Ryan Day and contributors; after Kazuhiko
 * Arase's QRCode for JavaScript), and a test checks the result against
 * `qrcode`'s own encoder module by module.
 */
import AlignmentPattern from 'qrcode/lib/core/alignment-pattern.js';
import BitBuffer from 'qrcode/lib/core/bit-buffer.js';
import BitMatrix from 'qrcode/lib/core/bit-matrix.js';
import ECCode from 'qrcode/lib/core/error-correction-code.js';
import ECLevel from 'qrcode/lib/core/error-correction-level.js';
import FinderPattern from 'qrcode/lib/core/finder-pattern.js';
import FormatInfo from 'qrcode/lib/core/format-info.js';
import MaskPattern from 'qrcode/lib/core/mask-pattern.js';
import ReedSolomonEncoder from 'qrcode/lib/core/reed-solomon-encoder.js';
import Utils from 'qrcode/lib/core/utils.js';

export type QrMatrix = InstanceType<typeof BitMatrix>;

/** Level M (≈ 15 % of the symbol can be damaged), `qrcode`'s default. */
const level = ECLevel.M;

/** Bits of the byte count after the 4-bit mode indicator: 8 up to version 9, then 16. */
const countBits = (version: number) => (version < 10 ? 8 : 16);

/** Data codewords of a version at level M. */
const dataCodewords = (version: number) =>
  Utils.getSymbolTotalCodewords(version) - ECCode.getTotalCodewordsCount(version, level);

/** The version's 6 bits and their 12-bit BCH code (generator 0x1F25), drawn from version 7 on. */
const versionBits = (version: number) => {
  let d = version << 12;
  for (let i = 17; i >= 12; i--) if ((d >> i) & 1) d ^= 0x1f25 << (i - 12);
  return (version << 12) | d;
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
  const bits = FormatInfo.getEncodedBits(level, mask);
  for (let i = 0; i < 15; i++) {
    const dark = ((bits >> i) & 1) === 1;
    matrix.set(i < 6 ? i : i < 8 ? i + 1 : size - 15 + i, 8, dark, true);
    matrix.set(8, i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i, dark, true);
  }
  matrix.set(size - 8, 8, true, true);
};

/** The data and error-correction codewords of `data`, interleaved by block. */
function codewords(data: Uint8Array, version: number): Uint8Array {
  const total = Utils.getSymbolTotalCodewords(version);
  const dataTotal = dataCodewords(version);
  const buffer = new BitBuffer();
  buffer.put(0b0100, 4); // byte mode
  buffer.put(data.length, countBits(version));
  for (const byte of data) buffer.put(byte, 8);
  // Terminator, then zeros to a whole byte, then the pad codewords 0xEC 0x11 alternately.
  if (buffer.getLengthInBits() + 4 <= dataTotal * 8) buffer.put(0, 4);
  while (buffer.getLengthInBits() % 8) buffer.putBit(false);
  for (let i = 0; buffer.getLengthInBits() < dataTotal * 8; i++) buffer.put(i % 2 ? 0x11 : 0xec, 8);

  const blocks = ECCode.getBlocksCount(version, level);
  const inGroup1 = blocks - (total % blocks);
  const dataSize1 = Math.floor(dataTotal / blocks);
  const ecCount = Math.floor(total / blocks) - dataSize1;
  const rs = new ReedSolomonEncoder(ecCount);
  const bytes = new Uint8Array(buffer.buffer);
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
  const matrix = new BitMatrix(Utils.getSymbolSize(version));
  const size = matrix.size;

  // Finder patterns with their separators, timing patterns, alignment patterns.
  for (const [row, col] of FinderPattern.getPositions(version))
    pattern(matrix, row, col, -1, 7, (r, c) => {
      const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
      return ring !== 2 && ring !== 4;
    });
  for (let i = 8; i < size - 8; i++) {
    matrix.set(i, 6, i % 2 === 0, true);
    matrix.set(6, i, i % 2 === 0, true);
  }
  for (const [row, col] of AlignmentPattern.getPositions(version))
    pattern(matrix, row, col, -2, 2, (r, c) => Math.max(Math.abs(r), Math.abs(c)) !== 1);

  // Reserve the format bits before the data goes in; version bits from version 7.
  formatInfo(matrix, 0);
  if (version >= 7) {
    const bits = versionBits(version);
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
