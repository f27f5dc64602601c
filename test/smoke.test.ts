import { expect } from '@open-wc/testing';
import QRCode from 'qrcode';
import { createNanoEvents } from 'nanoevents';

describe('toolchain', () => {
  it('loads qrcode and nanoevents', () => {
    const qr = QRCode.create('hello', { errorCorrectionLevel: 'M' });
    expect(qr.modules.size).to.equal(21);
    const e = createNanoEvents<{ a: (n: number) => void }>();
    let got = 0;
    e.on('a', (n) => (got = n));
    e.emit('a', 3);
    expect(got).to.equal(3);
  });
});
