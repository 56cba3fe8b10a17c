// Which runs may be pooled into one side. Runs of one commit are only the same measurement
// when everything that changes a timing agrees: the seed and load, the grid and the case
// selection, the timing budget, the parallelism and isolation, the runtime's flags, and no
// calibration slowdown. A ref pools the agreeing runs and lists what it left out and why; a
// folder of runs that disagree is refused (its maker meant one measurement).
import { InputError } from '../harness/exit.js';
import { type Manifest, shortCommit } from '../harness/rundir.js';
import type { Run } from './read.js';

/** The parts of a run's manifest that change what a timing measures, as readable strings. */
export type Measurement = Readonly<Record<string, string>>;

function argvValue(argv: readonly string[] | undefined, name: string): string {
  if (!argv) return '';
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = String(argv[i]);
    if (a === `--${name}`) out.push(String(argv[++i] ?? ''));
    else if (a.startsWith(`--${name}=`)) out.push(a.slice(name.length + 3));
  }
  return out.join(',');
}

function show(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** What a run measured, from its manifest (older manifests: from its argv). */
export function measurementOf(m: Manifest | undefined): Measurement | undefined {
  if (m === undefined || m.options === undefined) return undefined;
  const o = m.options;
  const sel = m.selection;
  return {
    seed: show(o['seed']),
    profile: show(o['profile']),
    time_ms: show(o['time_ms']),
    threads: show(o['threads']),
    isolation: show(o['isolation']),
    load: show(o['load_id'] ?? o['load_file']),
    inject_slowdown: show(o['inject_slowdown']),
    suite: sel ? show(sel['suites']) : argvValue(m.argv, 'suite'),
    variant: sel ? show(sel['variants']) : argvValue(m.argv, 'variant'),
    case: sel ? show(sel['case']) : argvValue(m.argv, 'case'),
    node_flags: show(m.env?.node_flags),
    code: show(m.env?.code_sha),
  };
}

/** The fields in which two measurements differ, as `field a vs b`. */
export function differences(a: Measurement | undefined, b: Measurement | undefined): string[] {
  if (a === undefined || b === undefined) return a === b ? [] : ['one run has no manifest options'];
  const out: string[] = [];
  for (const k of Object.keys(a)) {
    if (a[k] !== b[k]) out.push(`${k} ${a[k] || '(none)'} vs ${b[k] || '(none)'}`);
  }
  return out;
}

export interface Pooled {
  readonly runs: Run[];
  /** one line per run left out, with the reason */
  readonly leftOut: string[];
}

const isCalibration = (r: Run) => (measurementOf(r.manifest)?.inject_slowdown ?? '') !== '';

/**
 * The stored runs of a ref that may be pooled: calibration runs and runs whose rows are of
 * another commit are left out; of the rest, the runs that measured what `prefer` measured
 * (the other side), else what the newest run measured.
 */
export function poolRef(runs: readonly Run[], commit: string, prefer: Measurement | undefined): Pooled {
  const leftOut: string[] = [];
  const kept: Run[] = [];
  for (const r of runs) {
    const other = r.rows.find((x) => x.commit !== '' && !x.commit.startsWith(shortCommit(commit)));
    if (other)
      leftOut.push(`${r.source}: its rows are of commit ${shortCommit(other.commit)}, not ${shortCommit(commit)}`);
    else if (isCalibration(r))
      leftOut.push(`${r.source}: a calibration run (--inject-slowdown ${measurementOf(r.manifest)?.inject_slowdown})`);
    else kept.push(r);
  }
  if (kept.length === 0) return { runs: [], leftOut };
  const ids = kept.map((r) => measurementOf(r.manifest));
  let target = ids[ids.length - 1];
  if (prefer !== undefined && ids.some((m) => differences(m, prefer).length === 0)) target = prefer;
  const pooled: Run[] = [];
  kept.forEach((r, i) => {
    const d = differences(ids[i], target);
    if (d.length === 0) pooled.push(r);
    else leftOut.push(`${r.source}: measured differently from the pooled runs (${d.join('; ')})`);
  });
  return { runs: pooled, leftOut };
}

/** A folder of run folders: one measurement, or refused naming the runs that disagree. */
export function poolFolder(runs: readonly Run[], folder: string): Run[] {
  const first = measurementOf(runs[0]?.manifest);
  const bad = runs.map((r) => ({ r, d: differences(measurementOf(r.manifest), first) })).filter((x) => x.d.length > 0);
  if (bad.length > 0) {
    const list = bad.map((x) => `${x.r.source} (${x.d.join('; ')})`).join(', ');
    throw new InputError(
      `${folder}: its runs were not measured alike, so they cannot be pooled as one side: ${list} differ from ${runs[0]!.source}; split them into separate folders`,
    );
  }
  return [...runs];
}

/**
 * A folder of --shard runs is one run when it holds each of the N shards exactly once, all
 * of the same N (and, by poolFolder, measured alike); a missing, repeated or foreign shard is
 * refused, naming it. Returns whether the runs were shards.
 */
export function checkShards(runs: readonly Run[], folder: string): boolean {
  const shards = runs.map((r) => ({ r, s: r.manifest?.shard }));
  if (shards.every((x) => x.s === undefined)) return false;
  const plain = shards.find((x) => x.s === undefined);
  if (plain) throw new InputError(`${folder}: ${plain.r.source} is not a --shard run, but the others are`);
  const count = shards[0]!.s!.count;
  const other = shards.find((x) => x.s!.count !== count);
  if (other)
    throw new InputError(
      `${folder}: ${other.r.source} is shard ${other.s!.index}/${other.s!.count}, the others are of ${count}`,
    );
  const by = new Map<number, string[]>();
  for (const x of shards) by.set(x.s!.index, [...(by.get(x.s!.index) ?? []), x.r.source]);
  const twice = [...by].filter(([, v]) => v.length > 1);
  if (twice.length > 0)
    throw new InputError(
      `${folder}: overlapping shards: ${twice.map(([i, v]) => `${i}/${count} in ${v.join(' and ')}`).join('; ')}`,
    );
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !by.has(i));
  if (missing.length > 0)
    throw new InputError(
      `${folder}: missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}`,
    );
  const seen = new Map<string, string>();
  for (const x of shards) {
    for (const c of x.s!.cases) {
      const prev = seen.get(c);
      if (prev) throw new InputError(`${folder}: case ${c} is in both ${prev} and ${x.r.source}`);
      seen.set(c, x.r.source);
    }
  }
  return true;
}
