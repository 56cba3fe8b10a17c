// The compare command end to end on synthetic runs: what it flags, what it leaves as `~`,
// and its exit codes. No timing is measured here: every sample is generated from a seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { SUMMARY_COLUMNS } from '../../src/harness/schema.js';
import { compare, timings, tmp, writeRun, type RowSpec } from './fixture.js';

/** A small evtchn-like run: two variants, two cases, one timing metric and one counter each. */
function rows(opts: { seedBase: number; slow?: number; words?: number }): RowSpec[] {
  const out: RowSpec[] = [];
  let s = opts.seedBase;
  for (const variant of ['2-level', 'N-level']) {
    for (const c of ['ports=64', 'ports=4096']) {
      const centre = (variant === '2-level' ? 20 : 30) * (variant === 'N-level' ? (opts.slow ?? 1) : 1);
      out.push({ variant, case: c, metric: 'deliver', samples: timings(s++, centre) });
      out.push({
        variant,
        case: c,
        metric: 'words',
        kind: 'counter',
        better: 'lower',
        value: variant === 'N-level' ? (opts.words ?? 3) : 2,
      });
    }
  }
  return out;
}

function runs(base: RowSpec[], head: RowSpec[], extra: { headEnv?: Record<string, string> } = {}): [string, string] {
  const root = tmp();
  return [
    writeRun(join(root, 'base'), { commit: 'b'.repeat(40), rows: base }),
    writeRun(join(root, 'head'), { commit: 'c'.repeat(40), rows: head, env: extra.headEnv }),
  ];
}

test('a variant made 10% slower is flagged, and --fail-on regression exits 1', () => {
  const [b, h] = runs(rows({ seedBase: 100 }), rows({ seedBase: 200, slow: 1.1 }));
  const plain = compare([b, h]);
  assert.equal(plain.code, 0, plain.stderr);
  const gated = compare([b, h, '--fail-on', 'regression']);
  assert.equal(gated.code, 1, gated.stdout + gated.stderr);
  assert.match(gated.stderr, /2 regressions/);
  const lines = gated.stdout.split('\n');
  const slow = lines.filter((l) => l.startsWith('N-level') && / slower$/.test(l));
  assert.equal(slow.length, 2, gated.stdout);
  assert.ok(
    slow.every((l) => {
      const m = /\+(\d+\.\d\d)%/.exec(l);
      return m !== null && Number(m[1]) > 7 && Number(m[1]) < 13;
    }),
    slow.join('\n'),
  );
  // the unchanged variant is not flagged
  assert.ok(lines.filter((l) => l.startsWith('2-level') && l.includes('deliver')).length === 0);
  assert.ok(
    lines.some((l) => l.startsWith('2-level') && / ~ /.test(l)),
    gated.stdout,
  );
  assert.match(gated.stdout, /geomean evtchn: \+\d/);
});

test('two runs from the same distribution show no significant change', () => {
  for (const [sb, sh] of [
    [1, 2],
    [10, 20],
    [300, 400],
  ] as const) {
    const [b, h] = runs(rows({ seedBase: sb * 10 }), rows({ seedBase: sh * 10 }));
    const r = compare([b, h, '--fail-on', 'regression', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout);
    const j = JSON.parse(r.stdout) as { rows: { verdict: string }[] };
    // no change is claimed: a row is either shown unchanged or left undecided
    assert.ok(
      j.rows.every((x) => ['same', 'undecided', 'counter-same'].includes(x.verdict)),
      JSON.stringify(j.rows.map((x) => x.verdict)),
    );
  }
});

test('an improvement is reported but does not fail the gate', () => {
  const [b, h] = runs(rows({ seedBase: 100 }), rows({ seedBase: 200, slow: 0.85 }));
  const r = compare([b, h, '--fail-on', 'regression']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout.split('\n').filter((l) => / faster$/.test(l)).length, 2, r.stdout);
});

test('a counter that changed is flagged; one that grew fails the gate', () => {
  const [b, h] = runs(rows({ seedBase: 100 }), rows({ seedBase: 200, words: 4 }));
  const r = compare([b, h, '--fail-on', 'regression']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /N-level\s+ports=64\s+3\s+4\s+\+1 \(\+33\.3%\).*counter grew/);
  const [b2, h2] = runs(rows({ seedBase: 100 }), rows({ seedBase: 200, words: 2 }));
  const fell = compare([b2, h2, '--fail-on', 'regression']);
  assert.equal(fell.code, 0, fell.stdout);
  assert.match(fell.stdout, /counter fell/);
});

test('rows present on one side only are listed, not dropped', () => {
  const base = rows({ seedBase: 100 });
  const head = rows({ seedBase: 200 }).filter((r) => r.case !== 'ports=4096' || r.variant !== 'N-level');
  head.push({ variant: 'N-level', case: 'ports=262144', metric: 'deliver', samples: timings(5, 40) });
  const [b, h] = runs(base, head);
  const r = compare([b, h, '--fail-on', 'regression']);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(r.stdout.split('\n').filter((l) => /only in base$/.test(l)).length, 2, r.stdout);
  assert.match(r.stdout, /N-level\s+ports=262144\s+—\s+(39|40)\.\d+.*only in head/);
  assert.match(r.stdout, /2 only in base, 1 only in head/);
});

test('a failed gate is shown as a failure, never as a speed change, and fails the gate', () => {
  const head = rows({ seedBase: 200 }).filter((r) => !(r.variant === 'N-level' && r.case === 'ports=64'));
  head.push({
    variant: 'N-level',
    case: 'ports=64',
    metric: 'gate',
    kind: 'counter',
    unit: '',
    status: 'gate-failed',
    detail: 'op 17: expected port 5, got 9',
  });
  const [b, h] = runs(rows({ seedBase: 100 }), head);
  const r = compare([b, h, '--fail-on', 'regression']);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /evtchn · gate/);
  assert.match(r.stdout, /N-level\s+ports=64\s+—\s+gate-failed.*FAILED: op 17: expected port 5, got 9/);
});

test('differing seeds are refused unless --allow-load-mismatch', () => {
  const head = rows({ seedBase: 200 }).map((r) => ({ ...r, seed: 2 }));
  const [b, h] = runs(rows({ seedBase: 100 }), head);
  const r = compare([b, h]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /different loads.*seed 1 .* vs seed 2 .*--allow-load-mismatch/s);
  const ok = compare([b, h, '--allow-load-mismatch']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /warning: .*different loads/);
});

test('a different load generator version is refused too', () => {
  const head = rows({ seedBase: 200 }).map((r) => ({ ...r, load: 'evtchn-load@2' }));
  const [b, h] = runs(rows({ seedBase: 100 }), head);
  const r = compare([b, h]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /evtchn-load@1 vs .*evtchn-load@2/);
});

test('a different environment is a warning, and a refusal under --strict-env', () => {
  const [b, h] = runs(rows({ seedBase: 100 }), rows({ seedBase: 200 }), {
    headEnv: { cpu: 'Other CPU', node: 'v22.1.0' },
  });
  const r = compare([b, h]);
  assert.equal(r.code, 0);
  assert.match(
    r.stdout,
    /^warning: the runs come from different environments \(cpu: Test CPU @ 2\.0GHz vs Other CPU; node: v20\.20\.2 vs v22\.1\.0\)/m,
  );
  const strict = compare([b, h, '--strict-env']);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /--strict-env refuses/);
});

test('a significant change below --threshold, or inside the A/A band, shows as ~', () => {
  // +1.5%, with enough samples to be significant
  const many = (seed: number, centre: number, band?: number): RowSpec[] => [
    { variant: '2-level', metric: 'deliver', samples: timings(seed, centre, { n: 300, cv: 0.01 }), aaBandPct: band },
  ];
  const [b, h] = runs(many(1, 100), many(2, 101.5));
  const r = compare([b, h, '--format', 'json']);
  const row = (JSON.parse(r.stdout) as { rows: { verdict: string; reason: string; pAdj: number }[] }).rows[0]!;
  assert.equal(row.verdict, 'same');
  assert.ok(row.pAdj < 0.05, 'the change itself is significant');
  assert.match(row.reason, /threshold/);
  const lower = compare([b, h, '--format', 'json', '--threshold', '1']);
  assert.equal((JSON.parse(lower.stdout) as { rows: { verdict: string }[] }).rows[0]!.verdict, 'slower');
  // +5% against an A/A band of 8%
  const [b2, h2] = runs(many(1, 100, 8), many(2, 105, 7));
  const banded = compare([b2, h2, '--fail-on', 'regression']);
  assert.equal(banded.code, 0, banded.stdout);
  assert.match(banded.stdout, /2-level\s+ports=64.*~.*±8\.0%\s+inside the A\/A band ±8\.0%/);
});

test('too few values: the exact test cannot reach significance, and says so', () => {
  const few = (seed: number, centre: number): RowSpec[] => [
    { variant: '2-level', metric: 'deliver', samples: timings(seed, centre, { rounds: 1, n: 3 }) },
  ];
  const [b, h] = runs(few(1, 100), few(2, 150));
  const r = compare([b, h, '--fail-on', 'regression', '--decision', 'mwu']);
  assert.equal(r.code, 0, r.stdout);
  assert.match(
    r.stdout,
    /warning: 1 timing row\(s\) cannot reach significance: with 3\+3 samples the smallest possible p is 0\.100/,
  );
  assert.match(r.stdout, /warning: 1 timing row\(s\) have a single worker on a side/);
});

test('output formats: json, csv and markdown carry the same verdicts', () => {
  const [b, h] = runs(rows({ seedBase: 100 }), rows({ seedBase: 200, slow: 1.1 }));
  const j = JSON.parse(compare([b, h, '--format', 'json', '--fail-on', 'regression']).stdout) as {
    rows: { variant: string; metric: string; verdict: string; ciLo: number | null }[];
    geomeans: { scope: string }[];
    exit_code: number;
  };
  assert.equal(j.exit_code, 1);
  assert.equal(j.rows.filter((r) => r.verdict === 'slower').length, 2);
  assert.ok(j.rows.filter((r) => r.metric === 'words').every((r) => r.ciLo === null));
  assert.deepEqual(
    j.geomeans.map((g) => g.scope),
    ['evtchn', 'all'],
  );
  const csv = parse(compare([b, h, '--format', 'csv']).stdout, { columns: true }) as Record<string, string>[];
  assert.equal(csv.filter((r) => r['verdict'] === 'slower').length, 2);
  assert.equal(csv.filter((r) => r['verdict'] === 'geomean').length, 2);
  const md = compare([b, h, '--format', 'md']).stdout;
  assert.match(md, /^#### evtchn · deliver \[ns\/event\]$/m);
  assert.match(md, /\| N-level \| ports=64 \|.*\| \*\*slower\*\* \|/);
});

test('colour only when asked (a terminal, or FORCE_COLOR), never in a pipe', () => {
  const [b, h] = runs(rows({ seedBase: 100 }), rows({ seedBase: 200, slow: 1.1 }));
  const esc = String.fromCharCode(27);
  assert.ok(!compare([b, h]).stdout.includes(`${esc}[`));
  assert.ok(compare([b, h], process.cwd(), { NO_COLOR: undefined, FORCE_COLOR: '1' }).stdout.includes(`${esc}[31m`));
});

test('--variants compares each variant with the baseline named in the manifest', () => {
  const dir = writeRun(join(tmp(), 'run'), { rows: rows({ seedBase: 1 }), baselines: { evtchn: '2-level' } });
  const r = compare([dir, '--variants', '--fail-on', 'regression']);
  assert.equal(r.code, 1, r.stdout + r.stderr); // N-level is 50% slower and reads one more word
  assert.match(
    r.stdout,
    /^N-level vs 2-level\s+ports=64\s+20\.\d+ ±\d+%\s+(29|30)\.\d+ ±\d+%\s+\+(49|50)\.\d\d%.*slower$/m,
  );
  assert.match(r.stdout, /geomean evtchn N-level vs 2-level: \+(49|50)/);
  const other = compare([dir, '--variants', '--baseline', 'N-level']);
  assert.equal(other.code, 0);
  assert.match(other.stdout, /^run: /m);
  const none = writeRun(join(tmp(), 'run'), {
    rows: [{ variant: 'x', metric: 'm', samples: timings(1, 1) }],
    baselines: { evtchn: 'nope' },
  });
  const bad = compare([none, '--variants']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /baseline variant 'nope' has no rows/);
});

test('a single suite CSV is a side too; a missing samples file is noted and rows go untested', () => {
  const root = tmp();
  const b = writeRun(join(root, 'b'), { rows: rows({ seedBase: 1 }) });
  const h = writeRun(join(root, 'h'), { rows: rows({ seedBase: 2, slow: 1.5 }), noSamples: true });
  const r = compare([join(b, 'evtchn.csv'), join(h, 'evtchn.csv'), '--fail-on', 'regression']);
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /note: .*evtchn\.samples\.csv: missing/);
  assert.match(r.stdout, /\+50\.\d\d% \?.*not tested/);
});

test('.partial files are ignored and said so', () => {
  const root = tmp();
  const b = writeRun(join(root, 'b'), { rows: rows({ seedBase: 1 }) });
  const h = writeRun(join(root, 'h'), { rows: rows({ seedBase: 2 }) });
  writeFileSync(join(h, 'other.csv.partial'), 'schema,run_id\nhalf');
  const r = compare([b, h]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /note: .*ignored other\.csv\.partial/);
  const only = join(root, 'p');
  writeRun(only, { rows: rows({ seedBase: 3 }) });
  for (const f of ['evtchn.csv', 'evtchn.samples.csv'])
    writeFileSync(join(only, f + '.partial'), readFileSync(join(only, f)));
  rmSync(join(only, 'evtchn.csv'));
  const bad = compare([b, only]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no <suite>\.csv in this folder \(only \.partial files/);
});

test('schema and file errors exit 2 naming the problem', () => {
  const root = tmp();
  const good = writeRun(join(root, 'good'), { rows: rows({ seedBase: 1 }) });
  // a missing column
  const missing = writeRun(join(root, 'missing'), {
    rows: rows({ seedBase: 2 }),
    header: SUMMARY_COLUMNS.filter((c) => c !== 'rme'),
  });
  let r = compare([good, missing]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing[/\\]evtchn\.csv: not a hvbench\/1 file: missing column rme/);
  // an unexpected column
  const extra = writeRun(join(root, 'extra'), {
    rows: rows({ seedBase: 2 }),
    header: [...SUMMARY_COLUMNS, 'ops_per_sec'],
  });
  r = compare([good, extra]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unexpected column ops_per_sec/);
  // another schema version
  const old = writeRun(join(root, 'old'), { rows: rows({ seedBase: 2 }), schema: 'hvbench/0' });
  r = compare([old, good]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /schema 'hvbench\/0' where this compare reads 'hvbench\/1'/);
  // a file that is not CSV of ours at all
  const foreign = join(root, 'foreign.csv');
  writeFileSync(foreign, 'name,ops/sec,samples\nfoo,1000,10\n');
  r = compare([good, foreign]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing columns schema, run_id/);
  // an empty file
  const empty = join(root, 'empty.csv');
  writeFileSync(empty, '');
  r = compare([good, empty]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /empty\.csv: empty file/);
  // a path that does not exist, outside any git repository
  r = compare([good, join(root, 'nope')], root);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nope: no such file or folder/);
  // usage errors
  r = compare([good]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /expected BASE and HEAD, got 1 argument/);
  r = compare([good, good, '--format', 'xml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--format xml: choose text, md, csv or json/);
  r = compare([good, good, '--threshold', 'ten']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--threshold ten/);
  r = compare([good, good, '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /bogus/);
});

test('comparing a run with itself says so', () => {
  const dir = writeRun(join(tmp(), 'r'), { rows: rows({ seedBase: 1 }) });
  const r = compare([dir, dir]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /warning: both sides are the same run/);
});

test('worker-to-worker noise is not mistaken for a change: the test unit is the worker', () => {
  // same code, workers 15% apart, samples within a worker 0.5% apart: raw samples look
  // "significantly" different, per-worker medians do not
  const noisy = (seed: number): RowSpec[] => [
    {
      variant: '2-level',
      metric: 'deliver',
      samples: timings(seed, 20, { rounds: 6, n: 200, cv: 0.005, workerCv: 0.15 }),
    },
  ];
  const [b, h] = runs(noisy(5), noisy(6)); // seeds whose workers happen to lean apart by 9%
  const byWorker = JSON.parse(compare([b, h, '--format', 'json']).stdout) as {
    rows: { verdict: string; testUnit: string; testN: number[] }[];
  };
  assert.ok(['same', 'undecided'].includes(byWorker.rows[0]!.verdict), byWorker.rows[0]!.verdict);
  assert.equal(byWorker.rows[0]!.testUnit, 'worker');
  assert.deepEqual(byWorker.rows[0]!.testN, [6, 6]);
  const bySample = JSON.parse(compare([b, h, '--format', 'json', '--test-unit', 'sample']).stdout) as {
    rows: { pAdj: number }[];
  };
  assert.ok(bySample.rows[0]!.pAdj < 1e-6, 'over raw samples the same noise looks significant');
});

test('a folder of run folders is one side: the runs are pooled, their workers add up', () => {
  const root = tmp();
  for (let i = 0; i < 3; i++) {
    writeRun(join(root, 'base', `run${i}`), {
      rows: [{ variant: '2-level', metric: 'deliver', samples: timings(10 + i, 20, { rounds: 2 }) }],
    });
    writeRun(join(root, 'head', `run${i}`), {
      rows: [{ variant: '2-level', metric: 'deliver', samples: timings(20 + i, 24, { rounds: 2 }) }],
    });
  }
  const r = compare([join(root, 'base'), join(root, 'head'), '--format', 'json', '--fail-on', 'regression']);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const row = (JSON.parse(r.stdout) as { rows: { verdict: string; testN: number[] }[] }).rows[0]!;
  assert.deepEqual(row.testN, [6, 6]);
  assert.equal(row.verdict, 'slower');
});

test("pooled runs: the A/A band is the median of the runs' bands, not the widest", () => {
  const root = tmp();
  const bands = [1, 2, 60, 1.5, 2.5]; // one run's pair of workers disagreed wildly
  bands.forEach((band, i) => {
    writeRun(join(root, 'base', `run${i}`), {
      rows: [{ variant: '2-level', metric: 'deliver', samples: timings(30 + i, 20, { rounds: 2 }), aaBandPct: band }],
    });
    writeRun(join(root, 'head', `run${i}`), {
      rows: [{ variant: '2-level', metric: 'deliver', samples: timings(40 + i, 22, { rounds: 2 }), aaBandPct: band }],
    });
  });
  const row = (
    JSON.parse(compare([join(root, 'base'), join(root, 'head'), '--format', 'json']).stdout) as {
      rows: { verdict: string; aaBandPct: number }[];
    }
  ).rows[0]!;
  assert.equal(row.aaBandPct, 2);
  assert.equal(row.verdict, 'slower');
});

test('pooled runs with --aa replicas: the band is recomputed over all their workers', () => {
  const root = tmp();
  for (let i = 0; i < 4; i++) {
    // each run's own band (one worker per replica) says 60%; the pooled workers say otherwise
    writeRun(join(root, 'base', `run${i}`), {
      rows: [
        { variant: '2-level', metric: 'deliver', samples: timings(50 + i, 20, { rounds: 2 }), aaBandPct: 60, aa: true },
      ],
    });
    writeRun(join(root, 'head', `run${i}`), {
      rows: [
        { variant: '2-level', metric: 'deliver', samples: timings(60 + i, 22, { rounds: 2 }), aaBandPct: 60, aa: true },
      ],
    });
  }
  const row = (
    JSON.parse(compare([join(root, 'base'), join(root, 'head'), '--format', 'json']).stdout) as {
      rows: { verdict: string; aaBandPct: number }[];
    }
  ).rows[0]!;
  assert.ok(row.aaBandPct < 5, String(row.aaBandPct));
  assert.equal(row.verdict, 'slower');
});
