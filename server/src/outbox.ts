/**
 * The development SMS sender: codes are logged as events (to the server's
 * own log, for a developer at the console) instead of reaching a phone. A real
 * deployment implements `SmsSender` over its gateway:
 *
 * ```ts
 * const sms: SmsSender = {
 *   async send({ phone, code, expiresIn }) {
 *     await gateway.send(phone, smsText(code, expiresIn)); // reject → 503 to the page, code not counted
 *   },
 * };
 * ```
 */
import { SmsOutbox, type SmsMessage } from '../../src/engine/index.js';

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
}
