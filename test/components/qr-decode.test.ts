/**
 * The QR a person scans, read off the screen: a screenshot of the drawn element
 * (the QR in its frame, with what surrounds it) decoded in Node by ZXing, a real
 * QR reader, strict as a phone's camera app is (no inverted codes). In the light
 * and dark themes, in forced colours and with large text, at phone width and one
 * device pixel per CSS pixel (the fewest pixels a QR gets), for payloads up to the
 * protocol's maximum: the login QR of `<qr-login-panel>` and the face QR of
 * `<step-up-dialog>`, both against the mock backend.
 *
 * Each screenshot is also read once more as a camera would see it: scaled to 80 %
 * and blurred, so that a QR which reads only pixel-perfectly fails too.
 */
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';
import type { LitElement } from 'lit';
import { createLoginClient, type LoginClient } from '../../src/client/index.js';
import { QR_PAYLOAD_MAX, type QrCode } from '../../src/client/protocol.js';
import '../../src/components/qr-login-panel/define.js';
import '../../src/components/step-up-dialog/define.js';
import { createMockBackend } from '../../src/mock/index.js';
import { LOGINS } from '../logins.js';
import { mockWorker } from '../mock-worker.js';

/** The mock's own payload (70 characters), a long URL, and the longest the protocol allows. */
const LENGTHS = [0, 120, QR_PAYLOAD_MAX];
const backends = new Map(
  LENGTHS.map((n) => [n, createMockBackend({ baseUrl: `/api/qr-decode/${n}`, qrPayloadLength: n })]),
);
mockWorker(...[...backends.values()].flatMap((b) => b.handlers));

type Feature = { name: string; value: string };
const emulate = (features: Feature[]) => executeServerCommand('emulate-media-features', { features });

/** How the page asks for the element to look. */
const LOOKS: { name: string; features: Feature[]; largeText?: boolean }[] = [
  { name: 'light theme', features: [] },
  { name: 'dark theme', features: [{ name: 'prefers-color-scheme', value: 'dark' }] },
  { name: 'forced colours', features: [{ name: 'forced-colors', value: 'active' }] },
  {
    name: 'forced colours, dark',
    features: [
      { name: 'forced-colors', value: 'active' },
      { name: 'prefers-color-scheme', value: 'dark' },
    ],
  },
  { name: 'large text (适老化)', features: [], largeText: true },
];

/** Device pixels per QR module below which a camera may no longer read the code (see docs/protocol.md §6.2). */
const MIN_MODULE_PX = 3;
/** Modules of light margin a QR needs around it (ISO/IEC 18004). */
const QUIET_ZONE = 4;

interface Code {
  text: string;
  /** The symbol (without its quiet zone) in the screenshot's pixels. */
  box: { left: number; top: number; right: number; bottom: number };
  /** Modules per side. */
  modules: number;
}

interface Reading {
  /** What the reader found in the screenshot, and in the camera's view of it. */
  screen: Code[];
  camera: Code[];
  /** Device pixels per module, measured in the screenshot. */
  modulePx: number;
  /** Pixels of the quiet zone (all around the symbol) that are not light. */
  darkInQuietZone: number;
}

/** Screenshots the QR frame `part="qr"` of `panel` with 12 px of its surroundings, and reads it. */
async function read(panel: HTMLElement): Promise<Reading> {
  const r = panel.shadowRoot!.querySelector<HTMLElement>('[part~="qr"]')!.getBoundingClientRect();
  const x = Math.floor(r.left) - 12;
  const y = Math.floor(r.top) - 12;
  const clip = { x, y, width: Math.ceil(r.right) + 12 - x, height: Math.ceil(r.bottom) + 12 - y };
  const shot = await executeServerCommand<{ codes: Code[]; png: string }, unknown>('read-qr', { clip });
  const image = new Image();
  image.src = `data:image/png;base64,${shot.png}`;
  await image.decode();
  const pixels = pixelsOf(image);
  const code = shot.codes[0];
  const symbol = code && darkExtent(pixels, code.box);
  const modulePx = symbol ? (symbol.right - symbol.left) / code.modules : 0;
  return {
    screen: shot.codes,
    camera: await executeServerCommand<Code[], unknown>('decode-qr', { png: asCamera(image) }),
    modulePx,
    darkInQuietZone: symbol ? darkAround(pixels, symbol, QUIET_ZONE * modulePx) : NaN,
  };
}

/** The screenshot scaled to 80 % with a slight blur, as a camera's lower resolution would see it. */
function asCamera(image: HTMLImageElement): string {
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(image.width * 0.8);
  canvas.height = Math.round(image.height * 0.8);
  const ctx = canvas.getContext('2d')!;
  ctx.filter = 'blur(0.5px)';
  ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png').split(',')[1];
}

interface Pixels {
  width: number;
  height: number;
  /** The darkest channel at (x, y), 0–255; outside the image, 0. */
  at(x: number, y: number): number;
}

function pixelsOf(image: HTMLImageElement): Pixels {
  const canvas = document.createElement('canvas');
  const { width, height } = image;
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, width, height);
  return {
    width,
    height,
    at: (x, y) => {
      if (x < 0 || y < 0 || x >= width || y >= height) return 0;
      const i = (y * width + x) * 4;
      return Math.min(data[i], data[i + 1], data[i + 2]);
    },
  };
}

/**
 * The symbol's exact edges (right and bottom exclusive): the dark pixels within
 * 2 px of the box the reader reports, which it places to about a pixel. The
 * finder patterns put dark modules on all four edges of a QR.
 */
function darkExtent(pixels: Pixels, box: Code['box']): Code['box'] {
  const e = { left: Infinity, top: Infinity, right: -Infinity, bottom: -Infinity };
  for (let y = box.top - 2; y < box.bottom + 2; y++)
    for (let x = box.left - 2; x < box.right + 2; x++)
      if (pixels.at(x, y) < 128) {
        e.left = Math.min(e.left, x);
        e.top = Math.min(e.top, y);
        e.right = Math.max(e.right, x + 1);
        e.bottom = Math.max(e.bottom, y + 1);
      }
  return e;
}

/** Counts the pixels that are not light in the band `width` wide around `symbol` (less its outermost pixel, where edges blend). */
function darkAround(pixels: Pixels, symbol: Code['box'], width: number): number {
  const reach = Math.floor(width) - 1;
  let dark = 0;
  for (let y = symbol.top - reach; y < symbol.bottom + reach; y++)
    for (let x = symbol.left - reach; x < symbol.right + reach; x++) {
      const inSymbol = x >= symbol.left && x < symbol.right && y >= symbol.top && y < symbol.bottom;
      if (!inSymbol && pixels.at(x, y) < 192) dark++;
    }
  return dark;
}

/** Waits for a drawn QR (no overlay over it) in `panel` and for the panel's last render. */
async function drawn(panel: LitElement) {
  await waitUntil(
    () =>
      panel.shadowRoot?.querySelector('svg[part="qr-code"]') && !panel.shadowRoot.querySelector('[part~="overlay"]'),
    'a QR on show',
    { timeout: 4000 },
  );
  await panel.updateComplete;
}

const shown = (b: ReturnType<typeof createMockBackend>) => (b.control.flow()!.state as { qr: QrCode }).qr.payload;

function expectRead(reading: Reading, payload: string) {
  expect(
    reading.screen.map((c) => c.text),
    'read from the screen',
  ).to.deep.equal([payload]);
  expect(
    reading.camera.map((c) => c.text),
    'read as a camera sees it',
  ).to.deep.equal([payload]);
  expect(reading.modulePx, 'device pixels per module').to.be.at.least(MIN_MODULE_PX);
  expect(reading.darkInQuietZone, 'pixels not light in the quiet zone').to.equal(0);
}

describe('QR codes read off the screen', () => {
  let client: LoginClient | undefined;

  before(async () => {
    await setViewport({ width: 320, height: 720 });
    expect(devicePixelRatio).to.equal(1);
  });
  afterEach(async () => {
    client?.destroy();
    client = undefined;
    for (const b of backends.values()) b.control.reset();
    await emulate([]);
  });

  for (const look of LOOKS) {
    describe(look.name, () => {
      beforeEach(() => emulate(look.features));

      for (const length of LENGTHS) {
        const backend = backends.get(length)!;
        it(`login QR, ${length ? `${length} characters` : 'the mock’s own payload'}`, async () => {
          const el = await fixture<LitElement>(
            html`<qr-login-panel base-url=${backend.baseUrl} ?large-text=${look.largeText}></qr-login-panel>`,
          );
          await drawn(el);
          const payload = shown(backend);
          if (length) expect(payload).to.have.length(length);
          expectRead(await read(el), payload);
        });
      }

      it(`face QR of the step-up dialog, ${QR_PAYLOAD_MAX} characters`, async () => {
        const backend = backends.get(QR_PAYLOAD_MAX)!;
        client = createLoginClient({ baseUrl: backend.baseUrl, crossTab: false });
        const el = await fixture<LitElement>(
          html`<step-up-dialog .client=${client} ?large-text=${look.largeText}></step-up-dialog>`,
        );
        await client.submitPassword(LOGINS.wangxiuying);
        await waitUntil(() => client!.state.kind === 'step-up', 'step-up', { timeout: 4000 });
        await client.chooseStepUp('face_iit');
        await waitUntil(() => client!.state.kind === 'face-waiting', 'the face QR', { timeout: 4000 });
        await el.updateComplete;
        const panel = el.shadowRoot!.querySelector<LitElement>('qr-login-panel')!;
        await drawn(panel);
        expectRead(await read(panel), shown(backend));
      });
    });
  }
});
