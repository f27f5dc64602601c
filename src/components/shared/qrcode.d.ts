/** `qrcode`'s core module (CommonJS), which `@types/qrcode` does not declare; its `create()` is the package's own. */
declare module 'qrcode/lib/core/qrcode.js' {
  export { create } from 'qrcode';
}
