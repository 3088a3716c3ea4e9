/** The p-th percentile of ascending timings (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** The summary every benchmark reports for a set of timings (ms). */
export function summarise(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

/** The usual summary plus p95. */
export function summariseWithP95(samples: number[]) {
  return {
    ...summarise(samples),
    p95: percentile(
      [...samples].sort((a, b) => a - b),
      95,
    ),
  };
}
