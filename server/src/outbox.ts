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
import { SmsOutbox, type MemoryDirectory, type SmsMessage } from '../../src/engine/index.js';
import type { TestOutbox } from './app-api.js';

export class DevOutbox extends SmsOutbox {
  constructor(private readonly log: (line: Record<string, unknown>) => void) {
    super();
  }

  override async send(message: SmsMessage): Promise<void> {
    await super.send(message);
    // Development only: the code is shown so that a developer can type it.
    this.log({
      level: 'info',
      msg: 'sms (development outbox)',
      flowId: message.flowId,
      text: this.messages.at(-1)!.text,
    });
  }

  /** The app API's test outbox: the messages sent to the phone of each account marked `"test": true`. */
  testOutbox(directory: MemoryDirectory): TestOutbox {
    return {
      messagesOf: (accountId) => {
        const account = directory.data.accounts.find((a) => a.id === accountId);
        if (!account?.test) return undefined;
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
