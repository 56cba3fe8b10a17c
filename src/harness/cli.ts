// The bench command line. Every mistake a user can make gets a message that names what was
// wrong and what would be right, and exit code 2; a run with a failed variant exits 1.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { captureEnv } from './env.js';
import { writeLoadCsv } from './loadfile.js';
import { allocateRunDir, claimOutDir, runDirName } from './rundir.js';
import { planCases, type CasePlan, type LoadedSuite } from './plan.js';
import { createProgress, type Progress } from './progress.js';
import { runPlan } from './runner.js';
import { caseKey } from './suite.js';
import { endTable } from './table.js';
import { loadRegistry } from './registry.js';

export class UsageError extends Error {}

const OPTIONS = {
  suite: { type: 'string', multiple: true },
  variant: { type: 'string', multiple: true },
  case: { type: 'string' },
  full: { type: 'boolean' },
  seed: { type: 'string' },
  threads: { type: 'string' },
  rounds: { type: 'string' },
  time: { type: 'string' },
  'task-timeout': { type: 'string' },
  out: { type: 'string' },
  aa: { type: 'boolean' },
  'dump-load': { type: 'string' },
  load: { type: 'string' },
  'inject-slowdown': { type: 'string' },
  list: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const HELP = `Usage: npm run bench -- [options]

Runs every selected (suite, variant, case) in its own worker: the seeded load is built, the
variant is checked against the suite's reference, then timed. Writes results/<commit>/<suite>.csv
and <suite>.samples.csv (see README: CSV columns).

  --suite S[,S]       suites to run (default: all)
  --variant V[,V]     variants to run (default: all of each suite)
  --case PATTERN      cases whose parameters match, e.g. ports=4096,load=storm or vcpus=*
  --full              the larger grid instead of the default one
  --seed N            load seed, an integer in [0, 2^32-1] (default 1)
  --threads N         tasks run in parallel; >1 lets tasks disturb each other (default 1)
  --rounds N          rounds per case; variants alternate within each round (default 3)
  --time MS           timing budget per metric per task, in ms (default 100)
  --task-timeout MS   a task still running after this is terminated and reported (default 120000)
  --out DIR           write here instead of results/<commit>[-dirty][.N]/ (must not hold a run)
  --aa                measure every case twice in separate workers: the A/A noise band
  --dump-load FILE    write the selected case's operation stream as CSV, then exit
  --load FILE         replay an operation stream CSV for the selected case instead of the seed's
  --inject-slowdown V=PCT[,V=PCT]
                      calibration: make variant V's timed calls PCT % slower (a busy wait
                      inside the timed window), to learn what compare can detect here
  --list              list suites, variants and cases, then exit
  -h, --help          this text
`;

export interface CliDeps {
  /** suite name → module URL */
  readonly registry: Readonly<Record<string, string>>;
  readonly resultsRoot: string;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly progress?: Progress;
  readonly interrupt?: AbortSignal;
}

function int(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

function list(values: string[] | undefined): string[] | undefined {
  return values
    ?.flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

async function loadSuites(
  registry: Readonly<Record<string, string>>,
  names: string[] | undefined,
): Promise<LoadedSuite[]> {
  const known = Object.keys(registry);
  for (const n of names ?? []) {
    if (!(n in registry)) throw new UsageError(`unknown suite '${n}'; valid suites: ${known.join(', ')}`);
  }
  return loadRegistry(registry, names ?? known);
}

export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  try {
    return await cli(argv, deps);
  } catch (e) {
    if (e instanceof UsageError) {
      deps.err.write(`hvbench: ${e.message}\n(run with --help for usage)\n`);
      return 2;
    }
    throw e;
  }
}

async function cli(argv: string[], deps: CliDeps): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    const valid = Object.keys(OPTIONS)
      .map((o) => `--${o}`)
      .join(' ');
    throw new UsageError(`${(e as Error).message.split('\n')[0]}; valid options: ${valid}`);
  }
  if (values.help) {
    deps.out.write(HELP);
    return 0;
  }
  const suites = await loadSuites(deps.registry, list(values.suite));
  const variants = list(values.variant);
  if (variants) {
    const known = new Set(suites.flatMap((s) => Object.keys(s.def.variants)));
    for (const v of variants) {
      if (!known.has(v))
        throw new UsageError(
          `unknown variant '${v}'; valid variants of ${suites.map((s) => s.name).join(', ')}: ${[...known].join(', ')}`,
        );
    }
  }
  const profile = values.full ? 'full' : 'default';
  const cases = planCases(suites, {
    profile,
    ...(variants ? { variants } : {}),
    ...(values.case ? { casePattern: values.case } : {}),
  });

  if (values.list) {
    for (const s of suites) {
      deps.out.write(
        `${s.name}: ${s.def.question}\n  variants: ${Object.keys(s.def.variants)
          .map((v) => (v === s.def.baseline ? `${v} (baseline)` : v))
          .join(', ')}\n  ${profile} cases:\n`,
      );
      for (const c of cases.filter((c) => c.suite === s)) deps.out.write(`    ${c.key}  [${c.variants.join(' ')}]\n`);
    }
    return 0;
  }
  if (cases.length === 0) {
    const all = suites.flatMap((s) => s.def.grid(profile).map((p) => `${s.name}: ${caseKey(p)}`));
    throw new UsageError(
      `no case matches --case '${values.case ?? ''}'${variants ? ` with --variant ${variants.join(',')}` : ''}; the ${profile} cases are:\n  ${all.join('\n  ')}`,
    );
  }
  const seed = int('seed', values.seed, 1, 0, 0xffffffff);
  const loadFile = values.load ? resolve(values.load) : undefined;
  if (values['dump-load'] || loadFile) {
    const flag = values['dump-load'] ? '--dump-load' : '--load';
    if (cases.length !== 1) {
      throw new UsageError(
        `${flag} needs exactly one case, but ${cases.length} match; narrow with --suite and --case, e.g. --suite ${cases[0]!.suite.name} --case '${cases[0]!.key}'`,
      );
    }
    if (values['dump-load']) return dumpLoad(cases[0]!, seed, values['dump-load'], deps);
  }

  const slowdown = parseSlowdown(values['inject-slowdown'], suites);
  const threads = int('threads', values.threads, 1, 1, 64);
  const rounds = int('rounds', values.rounds, 3, 1, 1000);
  const timeMs = int('time', values.time, 100, 1, 3_600_000);
  const taskTimeoutMs = int('task-timeout', values['task-timeout'], 120_000, 100, 86_400_000);
  const env = captureEnv();
  let outDir: string;
  try {
    outDir = values.out
      ? claimOutDir(resolve(values.out))
      : allocateRunDir(deps.resultsRoot, runDirName(env.commit, env.dirty));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const progress = deps.progress ?? createProgress();
  const outcome = await runPlan({
    suites,
    cases,
    profile,
    seed,
    threads,
    rounds,
    timeMs,
    taskTimeoutMs,
    aa: Boolean(values.aa),
    outDir,
    ...(loadFile ? { loadFile } : {}),
    ...(slowdown ? { slowdown } : {}),
    env,
    argv,
    progress,
    ...(deps.interrupt ? { interrupt: deps.interrupt } : {}),
  });
  deps.out.write('\n' + endTable(outcome.rows, suites) + '\n');
  for (const s of suites) {
    const mine = outcome.rows
      .filter((r) => r.suite === s.name)
      .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
    if (s.def.report && mine.length > 0) deps.out.write(s.def.report(mine).trimEnd() + '\n\n');
  }
  deps.out.write(`results: ${outcome.dir}${outcome.interrupted ? ' (interrupted: files left as .partial)' : ''}\n`);
  if (outcome.failures > 0)
    deps.out.write(`${outcome.failures} variant/case combination(s) FAILED: see status and detail in the CSV\n`);
  if (outcome.interrupted) return 130;
  return outcome.failures > 0 ? 1 : 0;
}

function parseSlowdown(raw: string | undefined, suites: readonly LoadedSuite[]): Record<string, number> | undefined {
  if (raw === undefined) return undefined;
  const known = new Set(suites.flatMap((s) => Object.keys(s.def.variants)));
  const out: Record<string, number> = {};
  for (const term of raw.split(',')) {
    const m = /^(.+)=(\d+(?:\.\d+)?)$/.exec(term.trim());
    if (!m) throw new UsageError(`--inject-slowdown takes VARIANT=PERCENT[,…], e.g. 2-level=5; got '${term}'`);
    if (!known.has(m[1]!))
      throw new UsageError(`--inject-slowdown: unknown variant '${m[1]}'; valid variants: ${[...known].join(', ')}`);
    out[m[1]!] = Number(m[2]) / 100;
  }
  return out;
}

async function dumpLoad(c: CasePlan, seed: number, file: string, deps: CliDeps): Promise<number> {
  const load = c.suite.def.load.generate(c.params, seed);
  writeLoadCsv(resolve(file), c.suite.def.load.toRows(load));
  deps.out.write(`wrote the operation stream of ${c.suite.name} ${c.key} (seed ${seed}) to ${file}\n`);
  return 0;
}

export function defaultResultsRoot(): string {
  return join(process.cwd(), 'results');
}
