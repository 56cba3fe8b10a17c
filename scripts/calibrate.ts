// What this machine lets compare detect: injected slowdowns over the default grid, measured the
// way compare measures two refs (interleaved base/head runs of --rounds 1 --aa), judged with
// compare's defaults, optionally beside a named neighbour load (scripts/neighbour.ts). Prints
// the Markdown table docs/ci.md keeps. Run it alone on the machine: anything else running is
// part of what it measures.
//
//   node dist/scripts/calibrate.js [--levels 0,2,3,5] [--trials 2] [--runs 5] [--out DIR]
//        [--neighbour cpu1x50] [--inject V,V] [-- BENCH-OPTIONS]
//
// By default each suite's baseline variant is slowed (--inject-slowdown V=PCT in the head runs
// only) and every other variant is a control that must not be flagged. Level 0 is the A/A row.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUITES } from '../bench/suites.js';
import { loadRegistry } from '../src/harness/registry.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const BENCH = here('../bench/main.js');
const COMPARE = here('../src/compare/main.js');
const NEIGHBOUR = here('./neighbour.js');

const argv = process.argv.slice(2);
const dd = argv.indexOf('--');
const own = dd < 0 ? argv : argv.slice(0, dd);
const extra = dd < 0 ? [] : argv.slice(dd + 1);
const opt = (name: string, def: string) => {
  const i = own.indexOf(`--${name}`);
  return i >= 0 ? own[i + 1]! : def;
};
const levels = opt('levels', '0,2,3,5').split(',').map(Number);
const trials = Number(opt('trials', '2'));
const runs = Number(opt('runs', '5'));
const neighbour = opt('neighbour', '');
const out = opt('out', join('cal', new Date().toISOString().replace(/[:.]/g, '')));
// the suites the bench options select (--suite S[,S]), so that only their variants are injected
const si = extra.findIndex((a) => a === '--suite' || a.startsWith('--suite='));
const picked = si < 0 ? undefined : (extra[si]!.includes('=') ? extra[si]!.split('=')[1]! : extra[si + 1]!).split(',');
const suites = (await loadRegistry(SUITES)).filter((s) => picked === undefined || picked.includes(s.name));
const inject = opt('inject', suites.map((s) => s.def.baseline).join(',')).split(',');
if (levels.some((l) => !(l >= 0)) || !(trials >= 1) || !(runs >= 2)) {
  process.stderr.write('calibrate: --levels PCT[,PCT] (≥ 0), --trials N (≥ 1), --runs N (≥ 2)\n');
  process.exit(2);
}

function bench(dir: string, slowdown: number): void {
  const args = [BENCH, '--out', dir, '--rounds', '1', '--aa', ...extra];
  if (slowdown > 0) args.push('--inject-slowdown', inject.map((v) => `${v}=${slowdown}`).join(','));
  process.stderr.write(`calibrate: node ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 2, 2] });
  if (r.status !== 0 && r.status !== 1) throw new Error(`bench exited ${r.status}`);
}

interface Row {
  variant: string;
  kind: string;
  verdict: string;
  ratio: number | null;
}

const table: string[] = [];
const load = neighbour ? spawn(process.execPath, [NEIGHBOUR, '--load', neighbour], { stdio: 'inherit' }) : undefined;
try {
  for (const level of levels) {
    let injected = 0;
    let flagged = 0;
    let control = 0;
    let wrong = 0;
    let unknown = 0;
    const ratios: number[] = [];
    for (let t = 1; t <= trials; t++) {
      const dir = join(out, `p${level}`, `t${t}`);
      for (let r = 1; r <= runs; r++) {
        bench(join(dir, 'base', `run${r}`), 0);
        bench(join(dir, 'head', `run${r}`), level);
      }
      mkdirSync(dir, { recursive: true });
      const c = spawnSync(process.execPath, [COMPARE, join(dir, 'base'), join(dir, 'head'), '--format', 'json'], {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      if (c.status !== 0) throw new Error(`compare exited ${c.status}: ${c.stderr}`);
      const rows = (JSON.parse(c.stdout) as { rows: Row[] }).rows.filter((x) => x.kind === 'timing');
      for (const x of rows) {
        if (x.verdict === 'unknown') unknown++;
        if (inject.includes(x.variant) && level > 0) {
          injected++;
          if (x.verdict === 'slower') flagged++;
          if (x.ratio !== null) ratios.push(x.ratio);
        } else {
          control++;
          if (x.verdict === 'slower' || x.verdict === 'faster') wrong++;
        }
      }
    }
    ratios.sort((a, b) => a - b);
    const med = ratios.length ? ratios[ratios.length >> 1]!.toFixed(3) : '';
    table.push(
      `| ${level}% | ${level > 0 ? `${flagged} of ${injected}` : ''} | ${med} | ${wrong} of ${control} | ${unknown} |`,
    );
  }
} finally {
  load?.kill('SIGTERM');
}
process.stdout.write(
  [
    `calibration: ${trials} trial(s) per level, ${runs} interleaved runs a side of --rounds 1 --aa ${extra.join(' ')}; injected: ${inject.join(', ')}; neighbour: ${neighbour || 'none'}`,
    '',
    '| injected | injected rows flagged slower | median head/base ratio | control rows wrongly flagged | rows unknown |',
    '|---:|---:|---:|---:|---:|',
    ...table,
    '',
  ].join('\n'),
);
