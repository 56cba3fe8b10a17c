// The explorer's findings as text, from the rows of a vcpuinfo.csv: per (variant, case) and
// explorer shape, whether a violation is reachable and how much was explored, then one
// shortest counterexample per violating (variant, shape), once even if several cases share it.
// The harness calls vcpuinfoFindings() after the end table; a user runs
//   node dist/src/vcpuinfo/report.js results/<commit>/vcpuinfo.csv
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { SHAPES } from './findings.js';

type Row = Readonly<Record<string, string>>;

const SHAPE_NAMES = { slot: 'vCPU below 32 (shared_info slot)', beyond: 'vCPU from 32 up (no slot)' } as const;

export function vcpuinfoFindings(rows: readonly Row[]): string {
  const by = new Map<string, Map<string, Row>>();
  for (const r of rows) {
    if (r['suite'] !== 'vcpuinfo') continue;
    const key = `${r['variant']}\u0000${r['case']}`;
    let m = by.get(key);
    if (!m) by.set(key, (m = new Map()));
    m.set(r['metric']!, r);
  }
  const lines = [
    'vcpuinfo explorer findings: re-registration with events in flight (harm: lost, duplicated or NULL vcpu_info; stale: any upcall through an area Xen no longer writes)',
  ];
  const traces = new Map<string, string>();
  for (const [key, m] of by) {
    const [variant, kase] = key.split('\u0000') as [string, string];
    for (const shape of SHAPES) {
      for (const [check, label] of [
        ['', 'harm'],
        ['stale_', 'stale'],
        ['lapic_', 'harm, per-vCPU LAPIC vector (edge)'],
      ] as const) {
        const pre = `explore_${shape}_${check}`;
        const v = m.get(`${pre}violation`);
        if (!v) continue;
        const inter = m.get(`${pre}interleavings`);
        const yes = v['median'] === '1';
        lines.push(
          `  ${variant.padEnd(18)} ${kase.padEnd(26)} ${SHAPE_NAMES[shape].padEnd(34)} ${label.padEnd(36)} ${yes ? 'FOUND' : 'none '} ${inter?.['median'] ?? '?'}${inter?.['detail']?.startsWith('exhaustive') ? ' (exhaustive)' : ''}`,
        );
        const tk = `${variant}\u0000${shape}\u0000${label}`;
        if (yes && !traces.has(tk))
          traces.set(tk, `${variant}, ${SHAPE_NAMES[shape]}, ${label}:\n${m.get(`${pre}shortest`)?.['detail'] ?? ''}`);
      }
    }
    const gate = m.get('gate');
    if (gate && gate['status'] === 'gate-failed') {
      const [head, trace] = (gate['detail'] ?? '').split(' | explorer');
      lines.push(`  ${variant.padEnd(18)} ${kase.padEnd(26)} GATE FAILED: ${head}`);
      if (trace !== undefined) traces.set(`${variant}\u0000gate`, `${variant} (gate failed), explorer${trace}`);
    }
  }
  return [...lines, '', ...traces.values()].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) {
    process.stderr.write('usage: node dist/src/vcpuinfo/report.js results/<run>/vcpuinfo.csv\n');
    process.exit(2);
  }
  const rows = parse(readFileSync(file), { columns: true }) as Row[];
  process.stdout.write(vcpuinfoFindings(rows) + '\n');
}
