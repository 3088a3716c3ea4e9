import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEphemeralDataCipher } from '../crypto/data-cipher.js';
import { migrate } from '../store/migrate.js';
import { createPgliteClient } from '../store/pglite-client.js';
import type { SqlClient } from '../store/sql-client.js';
import { createEmbeddedEventBus } from './embedded-event-bus.js';
import { describeEventBusContract } from './event-bus.contract.js';

describeEventBusContract('the embedded bus on PGlite', async () => {
  const cipher = createEphemeralDataCipher();
  const dir = await mkdtemp(join(tmpdir(), 'careloop-bus-'));
  let client: SqlClient = await createPgliteClient({ dataDir: dir });
  await migrate(client, 'bus');
  let bus = createEmbeddedEventBus({ client, cipher, redeliveryDelayMs: 10, pollIntervalMs: 100 });
  return {
    bus,
    // A reopen is a process restart: a new store connection on the same directory, a new bus.
    async reopen() {
      await bus.close();
      await client.close();
      client = await createPgliteClient({ dataDir: dir });
      bus = createEmbeddedEventBus({ client, cipher, redeliveryDelayMs: 10, pollIntervalMs: 100 });
      return bus;
    },
    async dispose() {
      await bus.close();
      await client.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
