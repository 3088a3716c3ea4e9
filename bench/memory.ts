/** `global.gc` when node runs with --expose-gc (the benchmarks that report memory ask for it in scripts/bench.sh). */
export const gc = (globalThis as { gc?: () => void }).gc;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mb = (bytes: number) => bytes / 2 ** 20;

/** RSS and heap in MB after two forced collections (when --expose-gc is on), so that figures compare run to run. */
export async function settledMemory(): Promise<Memory> {
  if (gc) {
    gc();
    await sleep(50);
    gc();
  }
  return memory();
}

/** The process's memory now, in MB. */
export function memory() {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
}
export type Memory = ReturnType<typeof memory>;
