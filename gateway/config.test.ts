import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('the hub configuration', () => {
  it('applies three inbound partitions at once unless HUB_INBOUND_CONCURRENCY says otherwise', () => {
    expect(loadConfig({}).inboundConcurrency).toBe(3);
    expect(loadConfig({ HUB_INBOUND_CONCURRENCY: '1' }).inboundConcurrency).toBe(1);
  });

  it('refuses an inbound concurrency that is not a whole number from 1 to 64, naming the variable', () => {
    for (const value of ['0', '2.5', '65', 'many']) expect(() => loadConfig({ HUB_INBOUND_CONCURRENCY: value })).toThrow(/HUB_INBOUND_CONCURRENCY/);
  });
});
