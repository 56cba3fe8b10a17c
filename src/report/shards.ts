// `npm run bench -- --shard I/N` splits one run's plan over N machines; the N run folders are
// one run. The report joins them, as compare does, and refuses a set that is not one whole
// run: a shard missing or given twice, shards of different N or commits, or a case in two.
import { BadInput } from './errors.js';
import type { RunData } from './read.js';

/** Replaces every complete set of shard runs by one run; plain runs pass through. */
export function joinShards(runs: readonly RunData[]): RunData[] {
  const plain = runs.filter((r) => r.manifest?.shard === undefined);
  const groups = new Map<string, RunData[]>();
  for (const r of runs) {
    const s = r.manifest?.shard;
    if (s === undefined) continue;
    const key = `${r.commit}/${s.count}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...plain, ...[...groups.values()].map(joinOne)];
}

function joinOne(shards: readonly RunData[]): RunData {
  const first = shards[0]!;
  const count = first.manifest!.shard!.count;
  const where = `shards of ${first.commit.slice(0, 12)} (${count} parts)`;
  const by = new Map<number, RunData>();
  for (const r of shards) {
    const i = r.manifest!.shard!.index;
    const twice = by.get(i);
    if (twice) throw new BadInput(`${where}: shard ${i}/${count} is both ${twice.dir} and ${r.dir}; give one of them`);
    by.set(i, r);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !by.has(i));
  if (missing.length > 0) {
    throw new BadInput(
      `${where}: missing shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')}; a sharded run is reported whole`,
    );
  }
  const seen = new Map<string, string>();
  for (const r of shards) {
    for (const c of r.manifest!.shard!.cases) {
      const prev = seen.get(c);
      if (prev) throw new BadInput(`${where}: case ${c} is in both ${prev} and ${r.dir}`);
      seen.set(c, r.dir);
    }
  }
  const ordered = [...by.entries()].sort(([a], [b]) => a - b).map(([, r]) => r);
  const suites = [...new Set(ordered.flatMap((r) => r.suites))];
  return {
    ...first,
    dir: `${first.dir} (+${count - 1} shard${count > 2 ? 's' : ''})`,
    parts: ordered.map((r) => r.dir),
    startedAt: ordered.map((r) => r.startedAt).sort()[0] ?? first.startedAt,
    suites,
    rows: ordered.flatMap((r) => r.rows),
  };
}
