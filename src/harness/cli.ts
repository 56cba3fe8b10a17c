// The bench command line. Every mistake a user can make gets a message that names what was
// wrong and what would be right, and exit code 2; a run with a failed variant exits 1.
import { join, resolve } from 'node:path';
import { BENCH_OPTIONS } from './bench-options.js';
import { captureEnv } from './env.js';
import { EXIT, exitLines, InputError } from './exit.js';
import { writeLoadCsv } from './loadfile.js';
import { helpLines, intOption, parseOptions } from './options.js';
import { allocateRunDir, claimOutDir, runDirName } from './rundir.js';
import { planCases, type CasePlan, type LoadedSuite } from './plan.js';
import { createProgress, type Progress } from './progress.js';
import { runPlan } from './runner.js';
import { caseKey } from './suite.js';
import { endTable } from './table.js';
import { loadRegistry } from './registry.js';

export const HELP = `Usage: npm run bench -- [options]

Runs every selected (suite, variant, case) in its own worker: the seeded load is built, the
variant is checked against the suite's reference, then timed. Writes results/<commit>/<suite>.csv
and <suite>.samples.csv (see README: Output).

${helpLines(BENCH_OPTIONS)}

${exitLines()}
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
    if (!(n in registry)) throw new InputError(`unknown suite '${n}'; valid suites: ${known.join(', ')}`);
  }
  return loadRegistry(registry, names ?? known);
}

export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  try {
    return await cli(argv, deps);
  } catch (e) {
    if (e instanceof InputError) {
      deps.err.write(`hvbench: ${e.message}\n(run with --help for usage)\n`);
      return EXIT.badInput;
    }
    throw e;
  }
}

interface BenchValues {
  suite?: string[];
  variant?: string[];
  case?: string;
  full?: boolean;
  seed?: string;
  threads?: string;
  rounds?: string;
  time?: string;
  'task-timeout'?: string;
  out?: string;
  aa?: boolean;
  'dump-load'?: string;
  load?: string;
  'inject-slowdown'?: string;
  list?: boolean;
  help?: boolean;
}

async function cli(argv: string[], deps: CliDeps): Promise<number> {
  const values = parseOptions(BENCH_OPTIONS, argv).values as BenchValues;
  if (values.help) {
    deps.out.write(HELP);
    return EXIT.ok;
  }
  const suites = await loadSuites(deps.registry, list(values.suite));
  const variants = list(values.variant);
  if (variants) {
    const known = new Set(suites.flatMap((s) => Object.keys(s.def.variants)));
    for (const v of variants) {
      if (!known.has(v))
        throw new InputError(
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
    return EXIT.ok;
  }
  if (cases.length === 0) {
    const all = suites.flatMap((s) => s.def.grid(profile).map((p) => `${s.name}: ${caseKey(p)}`));
    throw new InputError(
      `no case matches --case '${values.case ?? ''}'${variants ? ` with --variant ${variants.join(',')}` : ''}; the ${profile} cases are:\n  ${all.join('\n  ')}`,
    );
  }
  const seed = intOption('seed', values.seed, 1, 0, 0xffffffff);
  const loadFile = values.load ? resolve(values.load) : undefined;
  if (values['dump-load'] || loadFile) {
    const flag = values['dump-load'] ? '--dump-load' : '--load';
    if (cases.length !== 1) {
      throw new InputError(
        `${flag} needs exactly one case, but ${cases.length} match; narrow with --suite and --case, e.g. --suite ${cases[0]!.suite.name} --case '${cases[0]!.key}'`,
      );
    }
    if (values['dump-load']) return dumpLoad(cases[0]!, seed, values['dump-load'], deps);
  }

  const slowdown = parseSlowdown(values['inject-slowdown'], suites);
  const threads = intOption('threads', values.threads, 1, 1, 64);
  const rounds = intOption('rounds', values.rounds, 3, 1, 1000);
  const timeMs = intOption('time', values.time, 100, 1, 3_600_000);
  const taskTimeoutMs = intOption('task-timeout', values['task-timeout'], 120_000, 100, 86_400_000);
  const env = captureEnv();
  let outDir: string;
  try {
    outDir = values.out
      ? claimOutDir(resolve(values.out))
      : allocateRunDir(deps.resultsRoot, runDirName(env.commit, env.dirty));
  } catch (e) {
    throw new InputError((e as Error).message);
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
  if (outcome.interrupted) return EXIT.interrupted;
  return outcome.failures > 0 ? EXIT.failed : EXIT.ok;
}

function parseSlowdown(raw: string | undefined, suites: readonly LoadedSuite[]): Record<string, number> | undefined {
  if (raw === undefined) return undefined;
  const known = new Set(suites.flatMap((s) => Object.keys(s.def.variants)));
  const out: Record<string, number> = {};
  for (const term of raw.split(',')) {
    const m = /^(.+)=(\d+(?:\.\d+)?)$/.exec(term.trim());
    if (!m) throw new InputError(`--inject-slowdown takes VARIANT=PERCENT[,…], e.g. 2-level=5; got '${term}'`);
    if (!known.has(m[1]!))
      throw new InputError(`--inject-slowdown: unknown variant '${m[1]}'; valid variants: ${[...known].join(', ')}`);
    out[m[1]!] = Number(m[2]) / 100;
  }
  return out;
}

async function dumpLoad(c: CasePlan, seed: number, file: string, deps: CliDeps): Promise<number> {
  const load = c.suite.def.load.generate(c.params, seed);
  writeLoadCsv(resolve(file), c.suite.def.load.toRows(load));
  deps.out.write(`wrote the operation stream of ${c.suite.name} ${c.key} (seed ${seed}) to ${file}\n`);
  return EXIT.ok;
}

export function defaultResultsRoot(): string {
  return join(process.cwd(), 'results');
}
