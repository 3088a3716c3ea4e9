import { describe, expect, it } from 'vitest';
import { hubEnvelopes } from './hub-envelopes.js';

describe("sealing for the hub's key", () => {
  it('answers SERVICE_UNAVAILABLE, a retriable code, while the directory publishes no hub encryption key', async () => {
    const envelopes = hubEnvelopes({ find: async () => null, list: async () => [] });
    await expect(envelopes.seal('110101201001011234', 'signal.identity')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', retriable: true });
  });
});
