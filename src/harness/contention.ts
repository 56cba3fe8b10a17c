// How busy the machine was while a worker timed its bodies. A shared runner (other jobs,
// other VMs on the host) slows a timed window without any change of code, and on a 2-vCPU
// machine it can push a whole worker into a slow mode. So each task samples the kernel's own
// accounting just before and just after measure() and reports what happened in between:
// - CPU pressure: /proc/pressure/cpu, "some" line, `total=` µs during which at least one
//   runnable task waited for a CPU (Linux PSI, Documentation/accounting/psi.rst); absent on
//   kernels without CONFIG_PSI or with psi=0, then null.
// - steal: the `cpu` line of /proc/stat, 8th field: time the hypervisor ran someone else
//   while this VM's vCPU wanted to run (Documentation/filesystems/proc.rst, "1.8 Miscellaneous
//   kernel statistics in /proc/stat").
// - other CPUs' busy time: busy jiffies of all CPUs (user, nice, system, irq, softirq) as a
//   share of all jiffies, times the number of CPUs, minus what this process itself used
//   (process.cpuUsage(): the timed worker, the main thread, V8's compiler and GC threads), in
//   CPUs: 0.9 means nearly one CPU was busy with another process's work.
// - the 1-minute load average at the end of the window (it lags: a hint, not a measure).
// Nothing here allocates in a timed loop: two reads of small /proc files per task.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface CpuTimes {
  /** user + nice + system + irq + softirq (guest time is already inside user) */
  readonly busy: number;
  /** every field but guest/guest_nice: busy + idle + iowait + steal */
  readonly total: number;
  readonly steal: number;
  /** how many `cpuN` lines: the CPUs the kernel accounts for */
  readonly cpus: number;
}

/** Parses /proc/stat's aggregate `cpu` line and counts the per-CPU lines; undefined if absent. */
export function parseProcStat(text: string): CpuTimes | undefined {
  let agg: number[] | undefined;
  let cpus = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) agg = line.trim().split(/\s+/).slice(1).map(Number);
    else if (/^cpu\d+ /.test(line)) cpus++;
  }
  if (agg === undefined || agg.length < 4 || agg.some((x) => !Number.isFinite(x))) return undefined;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = agg;
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idle + iowait + steal, steal, cpus: Math.max(1, cpus) };
}

/** The `total=` of the `some` line of /proc/pressure/cpu, in µs; undefined if absent. */
export function parsePsiSomeTotal(text: string): number | undefined {
  const m = /^some .*\btotal=(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface ContentionSnapshot {
  /** wall clock, µs */
  readonly wallUs: number;
  /** this process's user + system CPU time, µs */
  readonly selfUs: number;
  readonly cpu: CpuTimes | undefined;
  readonly psiSomeUs: number | undefined;
}

/** What one timed window saw. null where the kernel does not say (not Linux, no PSI). */
export interface ContentionSample {
  readonly cpuSomePct: number | null;
  readonly stealPct: number | null;
  readonly othersBusyCpus: number | null;
  readonly loadavg: number | null;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function snapshot(): ContentionSnapshot {
  const u = process.cpuUsage();
  const stat = readOr('/proc/stat');
  const psi = readOr('/proc/pressure/cpu');
  return {
    wallUs: Number(process.hrtime.bigint() / 1000n),
    selfUs: u.user + u.system,
    cpu: stat === undefined ? undefined : parseProcStat(stat),
    psiSomeUs: psi === undefined ? undefined : parsePsiSomeTotal(psi),
  };
}

/** The contention of the window between two snapshots (pure: the tests feed it made-up ones). */
export function between(a: ContentionSnapshot, b: ContentionSnapshot, load1: number | null): ContentionSample {
  const wall = b.wallUs - a.wallUs;
  let stealPct: number | null = null;
  let othersBusyCpus: number | null = null;
  if (a.cpu && b.cpu && wall > 0) {
    const total = b.cpu.total - a.cpu.total;
    if (total > 0) {
      stealPct = ((b.cpu.steal - a.cpu.steal) / total) * 100;
      const busyCpus = ((b.cpu.busy - a.cpu.busy) / total) * b.cpu.cpus;
      const selfCpus = (b.selfUs - a.selfUs) / wall;
      // jiffies are 10 ms: a short window can count less busy time than we used ourselves
      othersBusyCpus = Math.max(0, busyCpus - selfCpus);
    }
  }
  const cpuSomePct =
    a.psiSomeUs !== undefined && b.psiSomeUs !== undefined && wall > 0
      ? Math.min(100, ((b.psiSomeUs - a.psiSomeUs) / wall) * 100)
      : null;
  return { cpuSomePct, stealPct, othersBusyCpus, loadavg: load1 };
}

/** Snapshot now; call the returned function when the window closes. */
export function startWindow(): () => ContentionSample {
  const a = snapshot();
  return () => {
    const b = snapshot();
    const l = process.platform === 'linux' ? (loadavg()[0] ?? null) : null;
    return between(a, b, l);
  };
}

/** The CSV columns (appended to the summary row, see schema.ts) and what fills them. */
export const CONTENTION_COLUMNS = ['cpu_some_pct', 'steal_pct', 'others_busy_cpus', 'loadavg'] as const;
export type ContentionColumn = (typeof CONTENTION_COLUMNS)[number];
const FIELD: Record<ContentionColumn, keyof ContentionSample> = {
  cpu_some_pct: 'cpuSomePct',
  steal_pct: 'stealPct',
  others_busy_cpus: 'othersBusyCpus',
  loadavg: 'loadavg',
};

/**
 * A row's contention over its workers: the mean of each measure (a mean, not a median, so
 * that pooled runs combine exactly, weighted by their workers), '' where no worker had it.
 */
export function contentionColumns(
  samples: readonly (ContentionSample | undefined)[],
): Record<ContentionColumn, number | ''> {
  const out = {} as Record<ContentionColumn, number | ''>;
  for (const c of CONTENTION_COLUMNS) {
    const xs = samples.map((s) => s?.[FIELD[c]]).filter((x): x is number => typeof x === 'number');
    out[c] = xs.length === 0 ? '' : round3(xs.reduce((s, x) => s + x, 0) / xs.length);
  }
  return out;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
