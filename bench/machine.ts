import os from 'node:os';

/** What a benchmark ran on, written with its results so figures from different machines are not compared. */
export function describeMachine(exposeGc: boolean) {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: os.totalmem() / 2 ** 30,
    exposeGc,
  };
}
