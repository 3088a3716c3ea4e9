import type { Logger } from 'pino';
import type { EventBus } from '../core/ports/event-bus.js';
import type { OutboxStore } from '../core/ports/unit-of-work.js';

/**
 * Publishes what committed transactions queued in the outbox. Woken at once by `nudge()` after a commit, and
 * on a timer so that messages queued before a crash or while the bus was down still leave.
 */
export function createOutboxRelay(options: { outbox: OutboxStore; bus: EventBus; logger: Logger; intervalMs?: number; batchSize?: number }) {
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
            const byTopic = new Map<string, typeof batch>();
            for (const item of batch) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), item]);
            for (const [topic, items] of byTopic)
              await options.bus.publish(
                topic,
                items.map((i) => i.message),
              );
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
