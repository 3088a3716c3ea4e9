import { z } from 'zod';
import type { ChangeFeed } from '../../core/ports/change-feed.js';
import type { SqlClient } from './sql-client.js';
import { sqlOf } from './sql-unit-of-work.js';

/** One channel per hub database; replicas sharing the database share it. */
const CHANNEL = 'careloop_changes';

const noticeSchema = z.object({ topic: z.enum(['referral.changed', 'referral.overdue']), id: z.string().min(1).max(200) });

/**
 * The change feed on PostgreSQL's LISTEN/NOTIFY (PGlite has it too): NOTIFY inside the change's transaction is
 * delivered on commit to every session listening, in every replica, and never for a rolled-back change.
 */
export function createSqlChangeFeed(client: SqlClient): ChangeFeed {
  return {
    async announce(tx, notice) {
      await sqlOf(tx).query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify(notice)]);
    },
    listen(listener) {
      return client.listen(CHANNEL, {
        onNotify(payload) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(payload);
          } catch {
            return; // not ours; anyone who can NOTIFY on the database could send it
          }
          const notice = noticeSchema.safeParse(parsed);
          if (notice.success) listener.notice(notice.data);
        },
        onResumed: () => listener.resumed(),
      });
    },
  };
}
