/**
 * The development SMS sender: codes are logged as events (to the server's
 * own log, for a developer at the console) instead of reaching a phone, and,
 * on a test deployment (`--test-outbox`), read through the app API for the
 * accounts marked `"test": true`. A real deployment implements `SmsSender`
 * over its gateway:
 *
 * ```ts
 * const sms: SmsSender = {
 *   async send({ phone, code, expiresIn }) {
 *     await gateway.send(phone, smsText(code, expiresIn)); // reject → 503 to the page, code not counted
 *   },
 * };
 * ```
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { SmsOutbox, type MemoryDirectory, type SmsMessage, type Store } from '../../src/engine/index.js';
import type { TestOutbox, TestSms } from './app-api.js';

/**
 * Where the test outbox is kept when several instances serve one deployment: the
 * store they share (Redis), so that a code sent by one instance is read through the
 * app API on another. Messages are sealed (AES-256-GCM) with a key derived from the
 * app API's secret, so that the store never holds a code in clear.
 */
export interface SharedOutbox {
  store: Store;
  /** The app API's current secret (every instance has it). */
  secret: string;
  /** Phones of the accounts marked `"test": true`: only their messages are kept. */
  phones: ReadonlySet<string>;
}

const DAY = 24 * 3600 * 1000;

export class DevOutbox extends SmsOutbox {
  private readonly key?: Buffer;

  /**
   * @param log - Where each message is written.
   * @param shared - The store shared by instances, for the test outbox.
   * @param showCodes - Write the message with its code, so that a developer can type it
   *   (default). A production process (`NODE_ENV=production`) passes false: with no SMS
   *   gateway plugged in, its log says a message was due, never the code.
   */
  constructor(
    private readonly log: (line: Record<string, unknown>) => void,
    private readonly shared?: SharedOutbox,
    private readonly showCodes = true,
  ) {
    super();
    if (shared) this.key = createHmac('sha256', shared.secret).update('etax-login test outbox').digest();
  }

  override async send(message: SmsMessage): Promise<void> {
    await super.send(message);
    const sent = this.messages.at(-1)!;
    this.log(
      this.showCodes
        ? // Development: the code is shown so that a developer can type it.
          { level: 'info', msg: 'sms (development outbox)', flowId: message.flowId, text: sent.text }
        : { level: 'warn', msg: 'sms not sent: no SMS gateway is plugged in', flowId: message.flowId },
    );
    if (this.shared?.phones.has(message.phone)) {
      const { store } = this.shared;
      const tag = phoneTag(message.phone);
      // One key a message, numbered by a counter: instances sending at once never overwrite each other.
      const n = await store.increment(`testsms:${tag}:n`, DAY);
      const kept: TestSms = {
        flowId: sent.flowId,
        code: sent.code,
        text: sent.text,
        sentAt: sent.sentAt,
        expiresAt: sent.sentAt + sent.expiresIn * 1000,
      };
      await store.write(`testsms:${tag}:${n}`, this.seal(JSON.stringify(kept)), sent.expiresIn * 1000);
    }
  }

  /** The test account's messages kept in the shared store, oldest first. */
  private async sharedOf(phone: string): Promise<TestSms[]> {
    const { store } = this.shared!;
    const tag = phoneTag(phone);
    const count = Number((await store.read(`testsms:${tag}:n`))?.value ?? 0);
    const entries = await Promise.all(Array.from({ length: count }, (_, i) => store.read(`testsms:${tag}:${i + 1}`)));
    return entries
      .flatMap((e) => {
        if (!e) return [];
        // Sealed by an instance with another secret (while the secret is rotated): not readable here.
        const text = this.open(e.value);
        return text === undefined ? [] : [JSON.parse(text) as TestSms];
      })
      .sort((a, b) => a.sentAt - b.sentAt);
  }

  private seal(text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key!, iv);
    const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  private open(value: string): string | undefined {
    const bytes = Buffer.from(value, 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key!, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** The app API's test outbox: the messages sent to the phone of each account marked `"test": true`. */
  testOutbox(directory: MemoryDirectory): TestOutbox {
    return {
      messagesOf: (accountId) => {
        const account = directory.data.accounts.find((a) => a.id === accountId);
        if (!account?.test) return undefined;
        if (this.shared) return account.phone ? this.sharedOf(account.phone) : [];
        return this.messages
          .filter((m) => !!account.phone && m.phone === account.phone)
          .map((m) => ({
            flowId: m.flowId,
            code: m.code,
            text: m.text,
            sentAt: m.sentAt,
            expiresAt: m.sentAt + m.expiresIn * 1000,
          }));
      },
    };
  }
}

/** A phone number as a key names it: a digest, never the number. */
const phoneTag = (phone: string) => createHash('sha256').update(phone).digest('hex').slice(0, 32);
