import { describe, expect, it } from 'vitest';
import { chunkBySize } from './chunk-by-size.js';

describe('chunks by size', () => {
  it('keeps the order, stays under the limit, and sends an item larger than the limit alone', () => {
    expect(chunkBySize([3, 4, 2, 9, 1, 1], 6, (n) => n)).toEqual([[3], [4, 2], [9], [1, 1]]);
    expect(chunkBySize([], 6, (n: number) => n)).toEqual([]);
  });
});
