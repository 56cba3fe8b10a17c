// Summary statistics of a sample, in the sample's own unit. Median and p99 by linear
// interpolation over the sorted sample (as tinybench does), rme as the 95% margin of error
// of the mean in percent, using the normal quantile: n is large enough here for 1.96.

export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  readonly p99: number;
  readonly min: number;
  readonly max: number;
  readonly sd: number;
  readonly rme: number;
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const n = samples.length;
  if (n === 0) return { n: 0, mean: NaN, median: NaN, p99: NaN, min: NaN, max: NaN, sd: NaN, rme: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / n;
  let ss = 0;
  for (const x of sorted) ss += (x - mean) * (x - mean);
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  const rme = n > 1 && mean !== 0 ? ((1.96 * sd) / Math.sqrt(n) / Math.abs(mean)) * 100 : 0;
  return {
    n,
    mean,
    median: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    min: sorted[0]!,
    max: sorted[n - 1]!,
    sd,
    rme,
  };
}
