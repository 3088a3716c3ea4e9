import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEventBus } from '../adapters/bus/embedded-event-bus.js';
import { createEphemeralDataCipher } from '../adapters/crypto/data-cipher.js';
import { createLogger } from '../adapters/logging/create-logger.js';
import { migrate } from '../adapters/store/migrate.js';
import { createPgliteClient } from '../adapters/store/pglite-client.js';
import type { SqlClient } from '../adapters/store/sql-client.js';
import { systemClock } from '../core/clock.js';
import type { EventBus, SubscribeOptions } from '../core/ports/event-bus.js';
import { DEFAULT_INBOUND_CONCURRENCY, startHubInbound } from './hub-inbound.js';

let client: SqlClient;
let bus: EventBus;
beforeAll(async () => {
  client = await createPgliteClient();
  await migrate(client, 'bus');
  bus = createEmbeddedEventBus({ client, cipher: createEphemeralDataCipher() });
});
afterAll(async () => {
  await bus.close();
  await client.close();
});

/** The real embedded bus, with what the hub asked it for recorded: what is pinned here is the hub's request. */
const recording = (asked: SubscribeOptions[]): EventBus => ({
  ...bus,
  subscribe: (options) => {
    asked.push(options);
    return bus.subscribe(options);
  },
});

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
    // One consumer of the group at a time, as in one hub process.
    for (const concurrency of [undefined, 1]) await (await start(recording(asked), concurrency)).close();
    expect(DEFAULT_INBOUND_CONCURRENCY).toBe(3);
    expect(asked.map((o) => o.concurrency)).toEqual([3, 1]);
    expect(asked.every((o) => o.topics.length === 1)).toBe(true);
  });
});
