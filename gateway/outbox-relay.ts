import type { Logger } from 'pino';
import type { EventBus, OutgoingMessage } from '../core/ports/event-bus.js';
import type { EventDraft } from '../core/ports/event-draft.js';
import type { OutboxStore } from '../core/ports/unit-of-work.js';

/**
 * Publishes what committed transactions queued in the outbox. Woken at once by `nudge()` after a commit, and
 * on a timer so that messages queued before a crash or while the bus was down still leave. Drafts are signed here,
 * after their transaction committed and with no transaction open, by `sign` (the hub's key).
 */
export function createOutboxRelay(options: {
  outbox: OutboxStore;
  bus: EventBus;
  sign: (draft: EventDraft) => Promise<OutgoingMessage>;
  logger: Logger;
  intervalMs?: number;
  batchSize?: number;
}) {
  const log = options.logger.child({ component: 'outbox-relay' });
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> = Promise.resolve();

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        while (
          (await options.outbox.takeBatch(options.batchSize ?? 100, async (batch) => {
            const byTopic = new Map<string, OutgoingMessage[]>();
            for (const item of batch) {
              const message = 'draft' in item ? await options.sign(item.draft) : item.message;
              byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), message]);
            }
            for (const [topic, messages] of byTopic) await options.bus.publish(topic, messages);
          })) > 0
        );
      } catch (error) {
        log.warn({ err: error }, 'outbox publish failed; will retry');
      }
    } while (again);
  }

  function nudge(): void {
    if (running) {
      again = true;
      return;
    }
    running = true;
    current = drain().finally(() => {
      running = false;
      // A nudge after drain's last look but before this line would otherwise wait for the next tick.
      if (again) nudge();
    });
  }

  return {
    nudge,
    start() {
      timer = setInterval(nudge, options.intervalMs ?? 1000);
      nudge();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await current;
    },
  };
}
