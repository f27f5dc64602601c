/**
 * The `qrcode` package's encoder modules used by `qr-matrix.ts` (CommonJS;
 * `@types/qrcode` types only the package root). Only what is used is typed.
 */
declare module 'qrcode/lib/core/error-correction-level.js' {
  export interface Level {
    bit: number;
  }
  const ECLevel: { L: Level; M: Level; Q: Level; H: Level };
  export default ECLevel;
}

declare module 'qrcode/lib/core/bit-matrix.js' {
  class BitMatrix {
    constructor(size: number);
    readonly size: number;
    set(row: number, col: number, value: boolean, reserved?: boolean): void;
    get(row: number, col: number): number;
    isReserved(row: number, col: number): number;
  }
  export default BitMatrix;
}

declare module 'qrcode/lib/core/error-correction-code.js' {
  import type { Level } from 'qrcode/lib/core/error-correction-level.js';
  const ECCode: {
    getBlocksCount(version: number, level: Level): number;
    getTotalCodewordsCount(version: number, level: Level): number;
  };
  export default ECCode;
}

declare module 'qrcode/lib/core/reed-solomon-encoder.js' {
  class ReedSolomonEncoder {
    constructor(degree: number);
    encode(data: Uint8Array): Uint8Array;
  }
  export default ReedSolomonEncoder;
}

declare module 'qrcode/lib/core/mask-pattern.js' {
  import type BitMatrix from 'qrcode/lib/core/bit-matrix.js';
  const MaskPattern: {
    getBestMask(matrix: BitMatrix, setupFormat: (mask: number) => void): number;
    applyMask(mask: number, matrix: BitMatrix): void;
  };
  export default MaskPattern;
}
