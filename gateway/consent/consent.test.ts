import { createHub } from '../create-hub.js';
import { describeConsent } from './consent.scenarios.js';

describeConsent('embedded, PGlite', async (hubOptions) => {
  const hub = await createHub(hubOptions);
  return { hub, stop: () => hub.stop() };
});
