/** Consecutive runs of `items`, in order, whose sizes add up to at most `limit`; an item larger than that goes alone. */
export function chunkBySize<T>(items: readonly T[], limit: number, sizeOf: (item: T) => number): T[][] {
  const chunks: T[][] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (chunks.length === 0 || bytes + size > limit) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)!.push(item);
    bytes += size;
  }
  return chunks;
}
