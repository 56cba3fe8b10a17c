// How the report scales: builds a synthetic checkout of N commits, each with one run of a
// suite of C cases × 3 variants × 2 timings + 3 counters (a step injected halfway in one
// variant), then times `npm run report` on it in this process and prints the page's size.
//   node dist/scripts/report-scale.js [COMMITS] [CASES]      (defaults 300 and 40)
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gitHistory, tempDir, writeRun, type FixtureSuite } from '../test/report/fixture.js';
import { reportMain } from '../src/report/main.js';

const n = Number(process.argv[2] ?? 300);
const cases = Number(process.argv[3] ?? 40);
const root = tempDir('hvbench-report-scale-');
try {
  let t = performance.now();
  const commits = gitHistory(root, n);
  const suite = (step: boolean): FixtureSuite => ({
    name: 'scale',
    baseline: 'a',
    variants: ['a', 'b', 'c'],
    cases: Array.from({ length: cases }, (_, i) => `n=${i}`),
    timings: [
      { metric: 'op', unit: 'ns/op', ns: 10 },
      { metric: 'scan', unit: 'ns/word', ns: 3 },
    ],
    factor: { b: step ? 1.3 : 1.2, c: 0.9 },
    counters: ['words', 'pages', 'loads'].map((metric) => ({
      metric,
      unit: metric,
      value: (v: string) => (v === 'b' && step ? 5 : 4),
    })),
  });
  commits.forEach((c, i) =>
    writeRun(join(root, 'results', c.slice(0, 12)), [suite(i >= n / 2)], {
      commit: c,
      startedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      seed: i + 1,
      samplesPerWorker: 5,
    }),
  );
  const rows = cases * 3 * 5;
  process.stdout.write(
    `fixture: ${n} commits × ${rows} rows (${cases * 3 * 2} timing rows) in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
  );
  const out = join(root, 'report.html');
  t = performance.now();
  const code = await reportMain(['--out', out], { cwd: root, out: (s) => process.stdout.write(s), err: () => {} });
  const s = (performance.now() - t) / 1000;
  process.stdout.write(
    `report: exit ${code}, ${s.toFixed(1)} s, ${(statSync(out).size / 1024 / 1024).toFixed(1)} MiB\n`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
