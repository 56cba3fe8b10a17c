// When compare refuses to call a row changed: the verdict `unknown`. A change is only the
// code's when both sides were measured alike; two things visibly break that on a shared
// machine, and each worker records them (src/harness/contention.ts, src/harness/modes.ts):
// - one side ran under markedly more contention than the other (another job on the cores,
//   the hypervisor stealing time), so its workers were slowed by the machine;
// - the sides' workers fell into the two speed modes in different shares, so the ratio of
//   their medians measures which mode the workers happened to land in.
// The limits below are deliberately coarse (a doubling of contention is not "marked" when both
// are near zero); docs/ci.md says how to recalibrate them with scripts/calibrate.ts.
import { compareMixtures } from './mixture.js';

/** A row's contention, as the bench wrote it (means over the row's workers). */
export interface Contention {
  readonly cpuSomePct: number | undefined;
  readonly stealPct: number | undefined;
  readonly othersBusyCpus: number | undefined;
  readonly loadavg: number | undefined;
  /** how many workers the means are over (weights when runs are pooled) */
  readonly workers: number;
}

/** How far apart the sides may be before the row is `unknown`: absolute differences. */
export const CONTENTION_LIMITS = {
  /** CPUs busy with other processes' work during the timed windows */
  othersBusyCpus: 0.5,
  /** percentage points of wall time in which a runnable task waited for a CPU (PSI some) */
  cpuSomePct: 20,
  /** percentage points of CPU time stolen by the hypervisor */
  stealPct: 5,
} as const;

const LABEL: Record<keyof typeof CONTENTION_LIMITS, (x: number) => string> = {
  othersBusyCpus: (x) => `${x.toFixed(2)} other CPUs busy`,
  cpuSomePct: (x) => `CPU pressure ${x.toFixed(0)}%`,
  stealPct: (x) => `steal ${x.toFixed(1)}%`,
};

/** Pools runs' contention of one row: means weighted by workers. */
export function poolContention(parts: readonly (Contention | undefined)[]): Contention | undefined {
  const ps = parts.filter((p): p is Contention => p !== undefined);
  if (ps.length === 0) return undefined;
  const mean = (f: keyof Omit<Contention, 'workers'>) => {
    let s = 0;
    let w = 0;
    for (const p of ps) {
      const v = p[f];
      if (v !== undefined && Number.isFinite(v)) {
        s += v * p.workers;
        w += p.workers;
      }
    }
    return w > 0 ? s / w : undefined;
  };
  return {
    cpuSomePct: mean('cpuSomePct'),
    stealPct: mean('stealPct'),
    othersBusyCpus: mean('othersBusyCpus'),
    loadavg: mean('loadavg'),
    workers: ps.reduce((s, p) => s + p.workers, 0),
  };
}

/** Says which measure differs markedly between the sides, or undefined. */
export function contentionGap(base: Contention | undefined, head: Contention | undefined): string | undefined {
  if (base === undefined || head === undefined) return undefined;
  for (const k of Object.keys(CONTENTION_LIMITS) as (keyof typeof CONTENTION_LIMITS)[]) {
    const b = base[k];
    const h = head[k];
    if (b === undefined || h === undefined) continue;
    if (Math.abs(h - b) >= CONTENTION_LIMITS[k]) {
      const more = h > b ? 'head' : 'base';
      return `${more} ran under more contention: ${LABEL[k](b)} in base, ${LABEL[k](h)} in head`;
    }
  }
  return undefined;
}

/** Why a row's change cannot be trusted, or undefined when it can. */
export function unknownReason(
  workers: { readonly base: readonly number[]; readonly head: readonly number[] },
  contention: { readonly base: Contention | undefined; readonly head: Contention | undefined },
  withinModes = false,
): string | undefined {
  const gap = contentionGap(contention.base, contention.head);
  if (gap !== undefined) return gap;
  if (withinModes) return undefined;
  const mix = compareMixtures(workers.base, workers.head);
  if (mix.differs) return `the sides' workers are in different speed modes: ${mix.text}`;
  return undefined;
}
