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
  const batchSize = options.batchSize ?? 100;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> = Promise.resolve();

  async function drain(): Promise<void> {
    do {
      again = false;
      try {
        // A batch short of full was all there was: a commit since then nudges (`again`), so no second look is
        // needed to find the outbox empty, and a relay round costs one read (of each statement, a round trip).
        while (
          (await options.outbox.takeBatch(batchSize, async (batch) => {
            const byTopic = new Map<string, OutgoingMessage[]>();
            for (const item of batch) {
              const message = 'draft' in item ? await options.sign(item.draft) : item.message;
              const messages = byTopic.get(item.topic) ?? [];
              messages.push(message);
              byTopic.set(item.topic, messages);
            }
            await options.bus.publishAll([...byTopic].map(([topic, messages]) => ({ topic, messages })));
          })) === batchSize
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
