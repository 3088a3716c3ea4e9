import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../../gateway/create-hub.js';
import { describeWarningRegister } from '../../gateway/warning/warning-register.scenarios.js';

describeWarningRegister('PostgreSQL', async () => {
  const database = `careloop_warning_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const hub = await createHub({
    databaseUrl: inject('databaseUrl').replace(/\/careloop_test$/, `/${database}`),
    retentionIntervalMs: 0,
    deadlineCheckIntervalMs: 0,
    logger: createLogger({ name: 'warning-pg', level: 'silent' }),
  });
  return { hub, stop: () => hub.stop() };
});
