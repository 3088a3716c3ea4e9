import { createLogger } from '../../adapters/logging/create-logger.js';
import { createHub } from '../create-hub.js';
import { describeConsent } from './consent.scenarios.js';

describeConsent('embedded, PGlite', async (hubOptions) => {
  const hub = await createHub({ ...hubOptions, logger: createLogger({ name: 'consent-test', level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
  return { hub, stop: () => hub.stop() };
});
