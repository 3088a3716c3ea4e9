import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../create-hub.js';
import { describeWarningRegister } from './warning-register.scenarios.js';

describeWarningRegister('embedded, PGlite', async () => {
  const hub = await createHub({ retentionIntervalMs: 0, deadlineCheckIntervalMs: 0, logger: createLogger({ name: 'warning-test', level: 'silent' }) });
  return { hub, stop: () => hub.stop() };
});
