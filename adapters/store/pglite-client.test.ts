import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/config.js';
import { createPgliteClient, DEFAULT_SHARED_BUFFERS } from './pglite-client.js';

describe('the embedded store', () => {
  it('keeps a small buffer cache unless told otherwise, since it is resident in the hub process', async () => {
    const byDefault = await createPgliteClient();
    const told = await createPgliteClient({ sharedBuffers: '8MB' });
    try {
      expect(DEFAULT_SHARED_BUFFERS).toBe('16MB');
      expect(await byDefault.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
      expect(await told.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '8MB' }]);
    } finally {
      await byDefault.close();
      await told.close();
    }
  });

  it('takes its buffer size from PGLITE_SHARED_BUFFERS, and refuses a value that is not a size', () => {
    expect(loadConfig({}).pgliteSharedBuffers).toBe('16MB');
    expect(loadConfig({ PGLITE_SHARED_BUFFERS: '64MB' }).pgliteSharedBuffers).toBe('64MB');
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: '64MB; fsync=off' })).toThrow();
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: 'lots' })).toThrow();
  });
});
