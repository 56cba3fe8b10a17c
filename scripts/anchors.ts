// `node dist/scripts/anchors.js --anchors DIR [--reps N] [--rounds N] [--procs N]`: hvbench against C
// transliterations of the same algorithms on the same loads. DIR holds the C anchors (a
// Makefile building `evtchn2l` and `p2m`, each printing CSV `anchor,case,metric,value`); they
// are not part of this repository. The script builds and runs them, writes each evtchn anchor
// load as an hvbench operation stream (`--load`; p2m's anchor stream is hvbench's own
// `load=anchor` case), runs hvbench on it, checks that both sides saw the same stream (event
// counts and port sums, lookup checksums), and prints hvbench/C per case
// and the variant ratios side by side. Run it alone on the machine: both sides are timings.
//
// The loads, as the anchors define them: 2-level event channels, one vCPU, W² ports; `storm`
// sends ports 1..W²-1 in order, `density=d` sends round(d·(W²-1)) distinct ports drawn by a
// partial Fisher-Yates shuffle with Marsaglia's xorshift64 (seed 42) in the drawn order; then
// one upcall. p2m: a dense 64-bit guest of G GiB (1, 4, 16) with mfn = pfn ^ 0x5a5a5a, looked
// up in order (`seq`) or at xorshift64(42) % npfn (`random`), npfn lookups: hvbench's own
// `load=anchor` case, whose lookup checksum is compared with the C one.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';

const { values } = parseArgs({
  options: {
    anchors: { type: 'string' },
    reps: { type: 'string' },
    rounds: { type: 'string' },
    procs: { type: 'string' },
  },
});
if (values.anchors === undefined) {
  process.stderr.write('anchors: --anchors DIR is required (the folder with the C anchors and their Makefile)\n');
  process.exit(2);
}
const dir = values.anchors;
const reps = values.reps ?? '15';
const rounds = values.rounds ?? '3';
// Both sides move between processes (the anchors' README: up to 1.7x on the tightest C loops),
// so each is run in `procs` separate processes, and every figure is the median over processes,
// shown with its range. C and hvbench alternate case by case (the C anchor on one case, then
// hvbench on the same case), so that the two sides of a row are measured seconds apart. On a shared 2-vCPU VM the slow phases
// come and go in the middle of a process and halve throughput-bound loops on either side, so
// the table also gives the ratio of the fastest process of each side: the cost of the same
// work with the least interference each side saw.
const procs = Number(values.procs ?? '5');
if (!(Number.isInteger(procs) && procs >= 1)) {
  process.stderr.write(`anchors: --procs takes a whole number >= 1, not '${values.procs}'\n`);
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'hvbench-anchors-'));

function xorshift64(seed: bigint): () => bigint {
  let s = seed;
  return () => {
    s ^= BigInt.asUintN(64, s << 13n);
    s ^= s >> 7n;
    s ^= BigInt.asUintN(64, s << 17n);
    return s;
  };
}

function densityPorts(ports: number, d: number): number[] {
  const n = Math.max(1, Math.round(d * (ports - 1)));
  const pool = Array.from({ length: ports - 1 }, (_, i) => i + 1);
  const next = xorshift64(42n);
  for (let i = 0; i < n; i++) {
    const j = i + Number(next() % BigInt(ports - 1 - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

type Csv = Record<string, string>[];
const csv = (text: string): Csv => parse(text, { columns: true, skip_empty_lines: true }) as Csv;

// built in a copy: the anchors' folder may be read-only
const build = join(work, 'anchors');
cpSync(dir, build, { recursive: true });
execFileSync('make', ['-C', build, 'evtchn2l', 'p2m'], { stdio: ['ignore', 'ignore', 'inherit'] });

/** one process of a C anchor on the cases whose `anchor,case` contains `only`: anchor|case|metric → value */
function anchorRun(prog: 'evtchn2l' | 'p2m', only: string): Map<string, number> {
  const out = new Map<string, number>();
  const text = execFileSync(join(build, prog), ['-r', reps, '-f', only], { encoding: 'utf8', maxBuffer: 1 << 26 });
  for (const r of csv(text)) out.set(`${r['anchor']}|${r['case']}|${r['metric']}`, Number(r['value']));
  return out;
}

/** one hvbench case; `load` a stream file, or undefined for the case's own load */
function hvbench(suite: string, caseKey: string, load: string | undefined, variants: string): Csv {
  const out = join(work, `${suite}-${Math.random().toString(36).slice(2)}`);
  const args = ['dist/bench/main.js', '--full', '--suite', suite, '--case', caseKey];
  if (load !== undefined) args.push('--load', load);
  args.push('--variant', variants, '--rounds', rounds, '--out', out);
  try {
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) {
    if ((e as { status?: number }).status !== 1) throw e; // 1: a variant failed, shown below
  }
  return csv(readFileSync(join(out, `${suite}.csv`), 'utf8'));
}

const med = (rows: Csv, variant: string, metric: string) =>
  Number(rows.find((r) => r['variant'] === variant && r['metric'] === metric)?.['median'] ?? NaN);
const median = (xs: number[]) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[v.length >> 1]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
/** per figure: its value in each process */
const seen = new Map<string, number[]>();
const note = (k: string, v: number) => {
  const xs = seen.get(k) ?? [];
  xs.push(v);
  seen.set(k, xs);
};
const checks = new Map<string, string>();
const EVTCHN = ['storm', 'density=0.001', 'density=0.01', 'density=0.1', 'density=0.5'];
const P2M: [number, string][] = [1, 4, 16].flatMap((g) => ['seq', 'random'].map((o): [number, string] => [g, o]));

// evtchn: W=64, the anchors' cases, written as stream files once
const ports = 4096;
const evtchnLoads = EVTCHN.map((kase) => {
  const sent =
    kase === 'storm' ? Array.from({ length: ports - 1 }, (_, i) => i + 1) : densityPorts(ports, Number(kase.slice(8)));
  const file = join(work, `evtchn-${kase}.csv`);
  writeFileSync(file, ['op,port,arg', 'begin,0,0', ...sent.map((p) => `send,${p},0`), 'upcall,0,0', ''].join('\n'));
  return { key: `ports=${ports},${kase}`, file, sum: sent.reduce((a, b) => a + b, 0) };
});

for (let proc = 1; proc <= procs; proc++) {
  process.stderr.write(`anchors: process ${proc} of ${procs}\n`);
  // hvbench's `stream` is ns per delivered event over sends + upcall; C's the cheaper of its
  // plain and atomic send + event
  for (const { key, file, sum } of evtchnLoads) {
    const c = anchorRun('evtchn2l', key); // just before hvbench's run of the same case
    const rows = hvbench('evtchn', 'abi=64,depth=2,ports=4096,vcpus=1,load=sparse,density=0.1', file, '2-level');
    const cSum = c.get(`evtchn2l-plain|${key}|checksum`);
    const events = med(rows, '2-level', 'events');
    const ok = cSum === sum && events === c.get(`evtchn2l-plain|${key}|events`);
    checks.set(key, ok ? `events ${events}, port sum ${sum}` : `MISMATCH (events ${events}, sum ${sum} vs C ${cSum})`);
    const cost = (a: string) => (c.get(`${a}|${key}|ns_per_send`) ?? NaN) + (c.get(`${a}|${key}|ns_per_event`) ?? NaN);
    note(`evtchn|${key}|hv`, med(rows, '2-level', 'stream'));
    note(`evtchn|${key}|harness`, med(rows, '2-level', 'stream_harness'));
    note(`evtchn|${key}|c`, Math.min(cost('evtchn2l-plain'), cost('evtchn2l-atomic')));
  }
  // p2m: dense 64-bit guests; hvbench's `load=anchor` case generates the anchors' stream
  // itself (a 16 GiB stream file would be ~100 MB) and reports the checksum of its timed
  // lookups, which must equal the C one
  for (const [gib, order] of P2M) {
    const c = anchorRun('p2m', `gib=${gib},${order}`);
    const rows = hvbench(
      'p2m',
      `guest=64,gib=${gib},layout=dense,load=anchor,order=${order}`,
      undefined,
      'tree3,linear',
    );
    const key = `gib=${gib},${order}`;
    const cSum = c.get(`p2m-tree3|${key}|checksum`);
    const sumOf = (variant: string) => {
      const d = rows.find((r) => r['variant'] === variant && r['metric'] === 'lookup')?.['detail'] ?? '';
      return /checksum (\d+)/.exec(d)?.[1];
    };
    const [st, sl] = [sumOf('tree3'), sumOf('linear')];
    const ok = cSum !== undefined && st === String(cSum) && sl === String(cSum);
    checks.set(key, ok ? `checksum ${cSum}` : `MISMATCH (checksum tree3 ${st}, linear ${sl} vs C ${cSum})`);
    for (const v of ['tree3', 'linear']) {
      note(`p2m|${key}|${v}|hv`, med(rows, v, 'lookup'));
      note(`p2m|${key}|${v}|harness`, med(rows, v, 'lookup_harness'));
      note(`p2m|${key}|${v}|c`, c.get(`p2m-${v}|${key}|ns_per_lookup`) ?? NaN);
    }
  }
}

const fig = (k: string) => median(seen.get(k) ?? [NaN]);
const range = (k: string) => {
  const xs = seen.get(k) ?? [NaN];
  return xs.length > 1 ? ` (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : '';
};
const best = (k: string) => Math.min(...(seen.get(k) ?? [NaN]));
const cell = (k: string) => `${fig(k).toFixed(2)}${range(k)}`;
const lines: string[] = [
  `hvbench against the C anchors: medians over ${procs} process(es) a side (range), ns per op`,
  '',
  '| what | hvbench | C | hvbench/C | fastest process each side | harness gauge | check |',
  '|---|---:|---:|---:|---:|---:|---|',
];
const row = (what: string, k: string, check: string) =>
  lines.push(
    `| ${what} | ${cell(`${k}|hv`)} | ${cell(`${k}|c`)} | ${(fig(`${k}|hv`) / fig(`${k}|c`)).toFixed(2)} | ${(best(`${k}|hv`) / best(`${k}|c`)).toFixed(2)} | ${fig(`${k}|harness`).toFixed(2)} | ${check} |`,
  );
for (const { key } of evtchnLoads) row(`evtchn 2-level send+deliver ${key}`, `evtchn|${key}`, checks.get(key) ?? '');
for (const [gib, order] of P2M) {
  const key = `gib=${gib},${order}`;
  row(`p2m tree3 lookup ${key}`, `p2m|${key}|tree3`, checks.get(key) ?? '');
  row(`p2m linear lookup ${key}`, `p2m|${key}|linear`, checks.get(key) ?? '');
  const h = fig(`p2m|${key}|linear|hv`) / fig(`p2m|${key}|tree3|hv`);
  const c = fig(`p2m|${key}|linear|c`) / fig(`p2m|${key}|tree3|c`);
  // the same ratio taken in each process, where both variants ran minutes apart at most
  const perProc = (side: string) => {
    const l = seen.get(`p2m|${key}|linear|${side}`) ?? [];
    const t = seen.get(`p2m|${key}|tree3|${side}`) ?? [];
    return median(l.map((x, i) => x / t[i]!));
  };
  const hp = perProc('hv');
  const cp = perProc('c');
  lines.push(
    `| p2m linear/tree3 ${key} | ×${h.toFixed(2)} | ×${c.toFixed(2)} | ${(h / c).toFixed(2)} (ratio of ratios) | ${(hp / cp).toFixed(2)} (per-process ratios ×${hp.toFixed(2)} / ×${cp.toFixed(2)}) | | |`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
