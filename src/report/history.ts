// A history: the stored runs put in the order of the checkout's git history (oldest first),
// one point per commit and row. Timings become series with their change points; counters
// (exact) become the list of commits where one changed. Runs of a commit are pooled: their
// median is the median of the runs' medians, their band spans the runs' bands. Only summaries
// are read here, so hundreds of commits stay cheap.
import { git } from '../compare/git.js';
import { CHANGE_POINT_DEFAULTS, eDivisive } from './edivisive.js';
import { hashSeed, median } from '../compare/stats.js';
import type { Row, RunData } from './read.js';

/** compare's default --threshold: smaller changes are shown as `~` there, and not drawn here */
export const MIN_CHANGE_PCT = 2;

export interface Commit {
  readonly sha: string;
  readonly short: string;
  readonly subject: string;
  readonly date: string;
  readonly runs: RunData[];
}

export interface Point {
  /** index into History.commits */
  readonly at: number;
  readonly median: number;
  readonly lo: number;
  readonly hi: number;
}

export interface Series {
  readonly suite: string;
  readonly case: string;
  readonly metric: string;
  readonly variant: string;
  readonly unit: string;
  readonly points: Point[];
  /** indexes into History.commits of the first commit after each change */
  readonly changes: { readonly at: number; readonly before: number; readonly after: number; readonly p: number }[];
}

export interface CounterChange {
  readonly suite: string;
  readonly case: string;
  readonly variant: string;
  readonly metric: string;
  readonly unit: string;
  readonly from: number;
  readonly at: number;
  readonly before: string;
  readonly after: string;
}

export interface History {
  readonly commits: Commit[];
  readonly series: Series[];
  readonly counterChanges: CounterChange[];
  /** counter rows followed across commits */
  readonly countersFollowed: number;
  readonly notes: string[];
}

/** Commits of the runs in the order of HEAD's history; runs off that history are left out. */
export function orderCommits(runs: readonly RunData[], root: string | undefined, notes: string[]): Commit[] {
  const byCommit = new Map<string, RunData[]>();
  for (const r of runs) {
    if (r.dirty) {
      notes.push(`${r.dir}: left out of the history: measured with uncommitted changes`);
      continue;
    }
    byCommit.set(r.commit, [...(byCommit.get(r.commit) ?? []), r]);
  }
  let log: string[] = [];
  if (root !== undefined) {
    try {
      log = git(['log', '--topo-order', '--reverse', '--format=%H%x09%cI%x09%s', 'HEAD'], root).split('\n');
    } catch {
      log = [];
    }
  }
  const commits: Commit[] = [];
  for (const line of log) {
    const [sha, date, ...subject] = line.split('\t');
    const rs = sha === undefined ? undefined : byCommit.get(sha);
    if (rs === undefined) continue;
    commits.push({ sha: sha!, short: sha!.slice(0, 12), subject: subject.join('\t'), date: date ?? '', runs: rs });
    byCommit.delete(sha!);
  }
  if (root === undefined && byCommit.size > 0) {
    notes.push('not in a git checkout: commits ordered by the start time of their first run');
    const rest = [...byCommit].sort((a, b) => (start(a[1]) < start(b[1]) ? -1 : 1));
    for (const [sha, rs] of rest)
      commits.push({ sha, short: sha.slice(0, 12), subject: '', date: start(rs), runs: rs });
  } else {
    for (const [sha, rs] of byCommit) {
      notes.push(
        `${sha.slice(0, 12)} (${rs.length} run${rs.length > 1 ? 's' : ''}): left out: not in the history of HEAD`,
      );
    }
  }
  return commits;
}

function start(rs: readonly RunData[]): string {
  return rs.map((r) => r.startedAt).sort()[0] ?? '';
}

function key(r: Row): string {
  return `${r.suite}\u0000${r.case}\u0000${r.metric}\u0000${r.variant}`;
}

/** Pools one row's values over the runs of a commit. */
function pooled(rows: readonly Row[]): { median: number; lo: number; hi: number } {
  const meds = rows.map((r) => r.median);
  const m = median(meds);
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of rows) {
    const half = ((r.spreadPct ?? 0) / 200) * r.median;
    lo = Math.min(lo, r.median - half);
    hi = Math.max(hi, r.median + half);
  }
  return { median: m, lo, hi };
}

export function buildHistory(runs: readonly RunData[], root: string | undefined): History {
  const notes: string[] = [];
  const commits = orderCommits(runs, root, notes);
  const timings = new Map<string, { row: Row; byCommit: Map<number, Row[]> }>();
  const counters = new Map<string, { row: Row; byCommit: Map<number, Row[]> }>();
  commits.forEach((c, at) => {
    for (const run of c.runs) {
      for (const r of run.rows) {
        const target = r.kind === 'timing' && r.status === 'ok' ? timings : r.kind === 'counter' ? counters : undefined;
        if (target === undefined) continue;
        const k = key(r);
        let e = target.get(k);
        if (e === undefined) target.set(k, (e = { row: r, byCommit: new Map() }));
        let list = e.byCommit.get(at);
        if (list === undefined) e.byCommit.set(at, (list = []));
        list.push(r);
      }
    }
  });
  const series: Series[] = [];
  for (const [k, { row, byCommit }] of timings) {
    const points = [...byCommit].sort((a, b) => a[0] - b[0]).map(([at, rs]) => ({ at, ...pooled(rs) }));
    const found = eDivisive(
      points.map((p) => p.median),
      { ...CHANGE_POINT_DEFAULTS, seed: hashSeed(k) },
    );
    // each change is measured between its neighbours (the segments either side), and, as in
    // compare, one smaller than MIN_CHANGE_PCT is not shown: significant, but not worth a look
    const cuts = [0, ...found.map((cp) => cp.index), points.length];
    const changes = found
      .map((cp, i) => {
        const before = median(points.slice(cuts[i]!, cp.index).map((p) => p.median));
        const after = median(points.slice(cp.index, cuts[i + 2]!).map((p) => p.median));
        return { at: points[cp.index]!.at, before, after, p: cp.p };
      })
      .filter((c) => Math.abs(c.after / c.before - 1) * 100 >= MIN_CHANGE_PCT);
    const { suite, case: kase, metric, variant, unit } = row;
    series.push({ suite, case: kase, metric, variant, unit, points, changes });
  }
  const counterChanges: CounterChange[] = [];
  for (const { row, byCommit } of counters.values()) {
    let prev: { at: number; value: string } | undefined;
    for (const [at, rs] of [...byCommit].sort((a, b) => a[0] - b[0])) {
      const r = rs[0]!;
      const value = r.status === 'ok' ? String(r.median) : r.status;
      if (prev !== undefined && prev.value !== value) {
        const { suite, case: kase, variant, metric, unit } = row;
        counterChanges.push({
          suite,
          case: kase,
          variant,
          metric,
          unit,
          from: prev.at,
          at,
          before: prev.value,
          after: value,
        });
      }
      prev = { at, value };
    }
  }
  counterChanges.sort((a, b) => a.at - b.at);
  return { commits, series, counterChanges, countersFollowed: counters.size, notes };
}
