import { createHub } from '../create-hub.js';
import { describeSignals } from './signal.scenarios.js';

describeSignals('embedded, PGlite', async (hubOptions) => {
  const hub = await createHub(hubOptions);
  return { hub, stop: () => hub.stop() };
});
