import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import type { EventBus, SubscribeOptions } from '../core/ports/event-bus.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { DEFAULT_INBOUND_CONCURRENCY, startHubInbound } from './hub-inbound.js';

/** A bus that only records how it was asked to subscribe: what is pinned here is the hub's request, not Kafka. */
function recordingBus(asked: SubscribeOptions[]): EventBus {
  return {
    publish: async () => undefined,
    publishAll: async () => undefined,
    subscribe: async (options) => {
      asked.push(options);
      return { close: async () => undefined };
    },
    ensureTopics: async () => undefined,
    close: async () => undefined,
  };
}

const start = (bus: EventBus, concurrency?: number) =>
  startHubInbound({
    bus,
    directory: { find: async () => null, list: async () => [] },
    refusals: { wasRefused: async () => false, remember: async () => undefined },
    clock: systemClock,
    logger: createLogger({ name: 'test', level: 'silent' }),
    handlers: {},
    ...(concurrency === undefined ? {} : { concurrency }),
  });

describe("the hub's inbound consumer", () => {
  it('applies three partitions at once unless told otherwise, and one at a time when told so', async () => {
    const asked: SubscribeOptions[] = [];
    await start(recordingBus(asked));
    await start(recordingBus(asked), 1);
    expect(DEFAULT_INBOUND_CONCURRENCY).toBe(3);
    expect(asked.map((o) => o.concurrency)).toEqual([3, 1]);
    expect(asked.every((o) => o.topics.length === 1)).toBe(true);
  });
});
