// `node dist/scripts/anchors.js --anchors DIR [--reps N] [--rounds N]`: hvbench against C
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
  options: { anchors: { type: 'string' }, reps: { type: 'string' }, rounds: { type: 'string' } },
});
if (values.anchors === undefined) {
  process.stderr.write('anchors: --anchors DIR is required (the folder with the C anchors and their Makefile)\n');
  process.exit(2);
}
const dir = values.anchors;
const reps = values.reps ?? '15';
const rounds = values.rounds ?? '3';
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

function anchorRuns(): Map<string, number> {
  // built in a copy: the anchors' folder may be read-only
  const build = join(work, 'anchors');
  cpSync(dir, build, { recursive: true });
  execFileSync('make', ['-C', build, 'evtchn2l', 'p2m'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const out = new Map<string, number>();
  for (const prog of ['evtchn2l', 'p2m']) {
    const text = execFileSync(join(build, prog), ['-r', reps], { encoding: 'utf8', maxBuffer: 1 << 26 });
    for (const r of csv(text)) out.set(`${r['anchor']}|${r['case']}|${r['metric']}`, Number(r['value']));
  }
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

const c = anchorRuns();
const lines: string[] = ['what | hvbench ns | C ns | hvbench/C | check'];
const med = (rows: Csv, variant: string, metric: string) =>
  Number(rows.find((r) => r['variant'] === variant && r['metric'] === metric)?.['median'] ?? NaN);

// evtchn: W=64, the anchors' cases; hvbench's `stream` is ns per delivered event over sends + upcall
for (const kase of ['storm', 'density=0.001', 'density=0.01', 'density=0.1', 'density=0.5']) {
  const ports = 4096;
  const sent =
    kase === 'storm' ? Array.from({ length: ports - 1 }, (_, i) => i + 1) : densityPorts(ports, Number(kase.slice(8)));
  const file = join(work, `evtchn-${kase}.csv`);
  writeFileSync(file, ['op,port,arg', 'begin,0,0', ...sent.map((p) => `send,${p},0`), 'upcall,0,0', ''].join('\n'));
  const rows = hvbench('evtchn', 'abi=64,depth=2,ports=4096,vcpus=1,load=sparse,density=0.1', file, '2-level');
  const key = `ports=${ports},${kase}`;
  const sum = sent.reduce((a, b) => a + b, 0);
  const cSum = c.get(`evtchn2l-plain|${key}|checksum`);
  const events = Number(rows.find((r) => r['metric'] === 'events')?.['median']);
  const ok = cSum === sum && events === c.get(`evtchn2l-plain|${key}|events`);
  const cNs = Math.min(
    (c.get(`evtchn2l-plain|${key}|ns_per_send`) ?? NaN) + (c.get(`evtchn2l-plain|${key}|ns_per_event`) ?? NaN),
    (c.get(`evtchn2l-atomic|${key}|ns_per_send`) ?? NaN) + (c.get(`evtchn2l-atomic|${key}|ns_per_event`) ?? NaN),
  );
  const h = med(rows, '2-level', 'stream');
  lines.push(
    `evtchn 2-level send+deliver ${key} | ${h.toFixed(2)} | ${cNs.toFixed(2)} | ${(h / cNs).toFixed(2)} | ${ok ? `events ${events}, port sum ${sum}` : `MISMATCH (events ${events}, sum ${sum} vs C ${cSum})`}`,
  );
}

// p2m: dense 64-bit guests; hvbench's `lookup` is ns per lookup of the stream's lookups. Its
// `load=anchor` case generates the anchors' stream itself (a 16 GiB stream file would be
// ~100 MB) and reports the checksum of its timed lookups, which must equal the C one.
for (const gib of [1, 4, 16]) {
  for (const order of ['seq', 'random']) {
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
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    const [t, l] = [med(rows, 'tree3', 'lookup'), med(rows, 'linear', 'lookup')];
    const [ct, cl] = [c.get(`p2m-tree3|${key}|ns_per_lookup`) ?? NaN, c.get(`p2m-linear|${key}|ns_per_lookup`) ?? NaN];
    const check = ok ? `checksum ${cSum}` : `MISMATCH (checksum tree3 ${st}, linear ${sl} vs C ${cSum})`;
    lines.push(`p2m tree3 lookup ${key} | ${t.toFixed(2)} | ${ct.toFixed(2)} | ${ratio(t, ct)} | ${check}`);
    lines.push(`p2m linear lookup ${key} | ${l.toFixed(2)} | ${cl.toFixed(2)} | ${ratio(l, cl)} | ${check}`);
    lines.push(
      `p2m linear/tree3 ${key} | ×${ratio(l, t)} | ×${ratio(cl, ct)} | ${ratio(l / t, cl / ct)} | ratio of ratios`,
    );
  }
}
process.stdout.write(lines.join('\n') + '\n');
