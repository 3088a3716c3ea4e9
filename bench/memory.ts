/** `global.gc` when node runs with --expose-gc (the benchmarks that report memory ask for it in scripts/bench.sh). */
export const gc = (globalThis as { gc?: () => void }).gc;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mb = (bytes: number) => bytes / 2 ** 20;

/** RSS and heap in MB after two forced collections (when --expose-gc is on), so that figures compare run to run. */
export async function settledMemory(): Promise<{ rssMb: number; heapUsedMb: number }> {
  if (gc) {
    gc();
    await sleep(50);
    gc();
  }
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed) };
}
