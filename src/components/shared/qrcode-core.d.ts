/** The `qrcode` package's encoder core (CommonJS); `@types/qrcode` types only the package root. */
declare module 'qrcode/lib/core/qrcode.js' {
  import type { QRCodeOptions, QRCode } from 'qrcode';

  const core: { create(text: string, options?: QRCodeOptions): QRCode };
  export default core;
}
