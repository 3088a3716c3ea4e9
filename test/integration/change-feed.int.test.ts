import { expect, inject, it } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createPgClient } from '../../adapters/store/pg-client.js';
import { createSqlChangeFeed } from '../../adapters/store/sql-change-feed.js';
import type { ChangeNotice } from '../../core/ports/change-feed.js';
import type { Transaction } from '../../core/ports/unit-of-work.js';
import { startPostgresServer } from '../harness/postgres-server.js';
import { eventually } from '../support/hub-client.js';

const logger = createLogger({ name: 'change-feed', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const notice = (id: string): ChangeNotice => ({ topic: 'referral.changed', id });

it('tells every listener, on any connection, of a committed change, and never of a rolled-back one', async () => {
  const [one, two] = [createPgClient({ connectionString: inject('databaseUrl'), logger }), createPgClient({ connectionString: inject('databaseUrl'), logger })];
  const heard: string[] = [];
  const listening = await createSqlChangeFeed(two).listen({ notice: (n) => heard.push(n.id), resumed: () => undefined });
  try {
    const feed = createSqlChangeFeed(one);
    await one.transaction(async (tx) => feed.announce(tx as unknown as Transaction, notice('r-committed')));
    await one
      .transaction(async (tx) => {
        await feed.announce(tx as unknown as Transaction, notice('r-rolled-back'));
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await one.transaction(async (tx) => feed.announce(tx as unknown as Transaction, notice('r-after')));
    await eventually(async () => heard.includes('r-after'), { what: 'the last notice' });
    expect(heard).toEqual(['r-committed', 'r-after']);
  } finally {
    await listening.close();
    await one.close();
    await two.close();
  }
});

/** A server of its own: restarting the suite's shared one would cut every other test's connections. */
it('listens again after PostgreSQL restarts, and says so, so that subscribers re-read what they watch', async () => {
  const server = await startPostgresServer();
  const client = createPgClient({ connectionString: server.url, logger });
  const heard: string[] = [];
  let resumed = 0;
  const listening = await createSqlChangeFeed(client).listen({ notice: (n) => heard.push(n.id), resumed: () => resumed++ });
  try {
    await server.restart(1000);
    await eventually(async () => resumed === 1, { what: 'the feed to resume', timeoutMs: 20_000 });
    const feed = createSqlChangeFeed(client);
    await eventually(
      async () => {
        await client.transaction(async (tx) => feed.announce(tx as unknown as Transaction, notice('r-after-restart'))).catch(() => undefined);
        return heard.includes('r-after-restart');
      },
      { what: 'a notice after the restart', timeoutMs: 20_000 },
    );
  } finally {
    await listening.close();
    await client.close();
    await server.stop();
  }
}, 60_000);
