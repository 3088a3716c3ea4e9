import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../create-hub.js';
import { describeWarningRegister } from './warning-register.scenarios.js';

describeWarningRegister('embedded, PGlite', async (hubOptions) => {
  const hub = await createHub({ ...hubOptions, logger: createLogger({ name: 'warning-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  return { hub, stop: () => hub.stop() };
});
