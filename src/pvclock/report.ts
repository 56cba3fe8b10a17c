// The explorer's findings as text, from the rows of a pvclock.csv: per (case, variant) whether
// a warp is reachable, its largest size and how much was explored, then one shortest
// counterexample per warping configuration. The end-of-run table shows only the primary
// metric, so this is the readable account of the counters; the harness can call
// pvclockFindings() with the run's rows, or a user runs
//   node dist/src/pvclock/report.js results/<commit>/pvclock.csv
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';

type Row = Readonly<Record<string, string>>;

const MODELS = [
  { prefix: 'explore_', name: 'KVM (update at entry)' },
  { prefix: 'explore_hostwrite_', name: 'host writes pvti while guests run (2015 thread)' },
  { prefix: 'explore_syscallmix_', name: 'KVM, vDSO and syscall reads mixed' },
  { prefix: 'explore_nomatch_', name: 'masterclock kept with unmatched TSCs (not KVM)' },
];

export function pvclockFindings(rows: readonly Row[]): string {
  const mine = rows.filter((r) => r['suite'] === 'pvclock');
  const by = new Map<string, Map<string, Row>>();
  for (const r of mine) {
    const key = `${r['case']}\u0000${r['variant']}`;
    let m = by.get(key);
    if (!m) by.set(key, (m = new Map()));
    m.set(r['metric']!, r);
  }
  const lines: string[] = [
    'pvclock explorer findings (WARP or TORN read reachable / worst warp or torn-read error, ns / interleavings)',
  ];
  const traces: string[] = [];
  for (const [key, m] of by) {
    const [kase, variant] = key.split('\u0000') as [string, string];
    for (const { prefix, name } of MODELS) {
      const reach = m.get(`${prefix}warp_reachable`);
      if (!reach) continue;
      const worst = m.get(`${prefix}worst_warp`)?.['median'] ?? '?';
      const inter = m.get(`${prefix}interleavings`);
      const yes = reach['median'] === '1';
      // a torn read (the value no published pvti gives) is reported as such, not as a warp
      const torn = /counterexample \(\d+ steps\): torn read/.test(m.get(`${prefix}shortest`)?.['detail'] ?? '');
      lines.push(
        `  ${variant.padEnd(7)} ${kase.padEnd(62)} ${name.padEnd(48)} ${yes ? (torn ? 'TORN' : 'WARP') : 'none'} ${String(worst).padStart(5)} ${inter?.['median'] ?? '?'}${inter?.['detail']?.startsWith('exhaustive') ? ' (exhaustive)' : ''}`,
      );
      if (yes) traces.push(`${variant} ${kase}, ${name}:\n${m.get(`${prefix}shortest`)?.['detail'] ?? ''}`);
    }
  }
  return [...lines, '', ...traces].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/src/pvclock/report.js results/<run>/pvclock.csv\n');
    process.exit(2);
  }
  const rows = parse(readFileSync(file), { columns: true }) as Row[];
  process.stdout.write(pvclockFindings(rows) + '\n');
}
