import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import os from 'node:os';

/**
 * A fixed CPU workload of the kinds the hub does most (AES-GCM seals of short text, SHA-256 over a large event,
 * JSON of a batch's rows), timed five times, the median in ms: lower is faster. The bench machine's speed swings
 * from day to day (twice as slow on one day as the day before), so each run says how fast the machine was.
 */
export function speedProbeMs(): number {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const text = 'Posted about self-harm on a video platform late at night; account traced to the family address.';
  const event = randomBytes(64 * 1024);
  const rows = Array.from({ length: 500 }, (_, i) => ({ id: `sig-${i}`, sourceId: `S-${i}`, at: '2026-03-01T08:00:00.000Z', note: text }));
  const round = () => {
    const started = performance.now();
    for (let i = 0; i < 2000; i++) {
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      Buffer.concat([cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    }
    for (let i = 0; i < 50; i++) createHash('sha256').update(event).digest();
    for (let i = 0; i < 20; i++) JSON.parse(JSON.stringify(rows));
    return performance.now() - started;
  };
  round();
  const times = Array.from({ length: 5 }, round).sort((a, b) => a - b);
  return times[2]!;
}

/** What a benchmark ran on, written with its results so figures from different machines, or days, are not compared blindly. */
export function describeMachine(exposeGc: boolean) {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGb: os.totalmem() / 2 ** 30,
    exposeGc,
    speedProbeMs: speedProbeMs(),
  };
}
