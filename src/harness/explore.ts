// A small stateless model checker for interleavings of step programs, shared by every suite
// that argues about concurrency (p2m: guest vs toolstack during a migration walk; pvclock:
// hypervisor update vs guest read).
//
// Each thread is a generator; one `next()` call is one atomic step (the code up to the next
// `yield`, or up to the return). A run replays the model from `init()` along a schedule
// (which thread takes each step); exploration is a depth-first search over schedules, so no
// state is ever copied or hashed — the same approach as CHESS / VeriSoft ("stateless").
// Beyond the exhaustive budget it switches to seeded random schedules (Rng, never
// Math.random), so every result is reproducible from (model, options).
//
// Waiting: a step whose label starts with SPIN_PREFIX ('spin: ') promises that it changed
// nothing (one failed iteration of a wait loop). The thread is then not scheduled again until
// another thread has taken a step, which keeps spin loops finite (no schedule spins twice in a
// row for nothing). If every live thread waits, the interleaving ends as a deadlock.
//
// Convention: `yield` separates steps. The code between the last `yield` and the return is
// one more step (labelled 'return'); write a program's last step without a trailing `yield`
// if an empty final step would only multiply the interleavings.
import { Rng } from './rng.js';

/** A thread of a model: a generator; each `yield 'label'` ends one atomic step (the code between yields runs atomically). Returning ends the thread. */
export type Program<S> = (state: S) => Generator<string, void, void>;

export interface Model<S> {
  init(): S; // a fresh initial state (called once per interleaving: runs are replayed from scratch)
  readonly programs: ReadonlyArray<{ readonly name: string; readonly program: Program<S> }>;
  /** checked after every step; non-null = a violation; its size (e.g. warp in ns, or 1) is recorded and that interleaving ends there */
  check(state: S): { readonly violation: string; readonly size: number } | null;
}

export interface ExploreOptions {
  maxSteps: number; // bound on the length of one interleaving
  maxInterleavings: number; // exhaustive DFS budget; beyond it, switch to seeded random runs
  randomRuns: number; // seeded random schedules when the exhaustive search did not finish
  seed: number;
  preemptionBound?: number; // optional context-switch bound (CHESS-style) for the exhaustive part
}

export interface Step {
  readonly thread: string;
  readonly label: string;
}

export interface ExploreResult {
  readonly interleavings: number; // complete interleavings executed
  readonly exhaustive: boolean; // the whole bounded space was covered
  readonly violations: number; // interleavings that hit a violation
  readonly worst: number; // largest violation size seen (0 if none)
  readonly shortest: { readonly steps: readonly Step[]; readonly violation: string } | null; // shortest counterexample
  /** interleavings cut off by maxSteps before every thread had returned (added to the spec) */
  readonly truncated: number;
  /** how many of `interleavings` were seeded random runs (0 when exhaustive) */
  readonly randomInterleavings: number;
  /** interleavings that ended with every live thread waiting (SPIN_PREFIX steps) */
  readonly deadlocks: number;
}

/** Label prefix of a step that changed nothing and waits for another thread (see above). */
export const SPIN_PREFIX = 'spin: ';

/** The label recorded for a step that ended by returning rather than yielding. */
export const RETURN_LABEL = 'return';

const MAX_THREADS = 30; // enabled sets are bitmasks in a 32-bit int

/** One replayed interleaving: the schedule it followed and what happened on it. */
interface Interleaving {
  /** the schedule actually followed (prefix + default extension) */
  readonly schedule: number[];
  /** enabled-thread bitmask before each step of `schedule` */
  readonly enabled: number[];
  /** the label of each step of `schedule` (Step objects are made only for the shortest counterexample) */
  readonly labels: string[];
  readonly violation: { readonly violation: string; readonly size: number } | null;
  readonly truncated: boolean;
  readonly deadlock: boolean;
}

/** How the run picks a thread once it is past the given prefix. */
type Chooser = (enabledMask: number, previous: number) => number;

/** Prefer to keep running the previous thread (no preemption), else the lowest enabled. */
const nonPreemptive: Chooser = (mask, previous) =>
  previous >= 0 && (mask & (1 << previous)) !== 0 ? previous : lowestBit(mask);

function lowestBit(mask: number): number {
  return 31 - Math.clz32(mask & -mask);
}

function popcount(x: number): number {
  let n = 0;
  while (x !== 0) {
    x &= x - 1;
    n++;
  }
  return n;
}

function runOnce<S>(model: Model<S>, prefix: readonly number[], maxSteps: number, choose: Chooser): Interleaving {
  const state = model.init();
  const n = model.programs.length;
  const gens = model.programs.map((p) => p.program(state));
  let alive = n >= 32 ? -1 : (1 << n) - 1;
  let waiting = 0;
  const schedule: number[] = [];
  const enabled: number[] = [];
  const labels: string[] = [];
  let previous = -1;
  while (alive !== 0 && schedule.length < maxSteps) {
    const runnable = alive & ~waiting;
    if (runnable === 0) return { schedule, enabled, labels, violation: null, truncated: false, deadlock: true };
    const at = schedule.length;
    let t: number;
    if (at < prefix.length) {
      t = prefix[at]!;
      if ((runnable & (1 << t)) === 0) {
        throw new Error(
          `explore: schedule replay diverged at step ${at} (thread ${t} is not runnable): the model is not deterministic`,
        );
      }
    } else {
      t = choose(runnable, previous);
    }
    enabled.push(runnable);
    schedule.push(t);
    const r = gens[t]!.next();
    if (r.done === true) {
      alive &= ~(1 << t);
      waiting = 0;
      labels.push(RETURN_LABEL);
    } else {
      labels.push(r.value);
      waiting = r.value.startsWith(SPIN_PREFIX) ? waiting | (1 << t) : 0;
    }
    previous = t;
    const v = model.check(state);
    if (v !== null) return { schedule, enabled, labels, violation: v, truncated: false, deadlock: false };
  }
  return { schedule, enabled, labels, violation: null, truncated: alive !== 0, deadlock: false };
}

/** Context switches away from a thread that could have continued, in schedule[0..end). */
function preemptionsBefore(schedule: readonly number[], enabled: readonly number[], end: number): number {
  let p = 0;
  for (let i = 1; i < end; i++) {
    if (schedule[i] !== schedule[i - 1] && (enabled[i]! & (1 << schedule[i - 1]!)) !== 0) p++;
  }
  return p;
}

export function explore<S>(model: Model<S>, options: ExploreOptions): ExploreResult {
  const n = model.programs.length;
  if (n === 0) throw new Error('explore: a model needs at least one program');
  if (n > MAX_THREADS) throw new Error(`explore: at most ${MAX_THREADS} programs, got ${n}`);
  if (!(options.maxSteps >= 1)) throw new Error(`explore: maxSteps must be >= 1, got ${options.maxSteps}`);
  const bound = options.preemptionBound ?? Infinity;

  let interleavings = 0;
  let violations = 0;
  let worst = 0;
  let truncated = 0;
  let deadlocks = 0;
  let shortest: { steps: Step[]; violation: string } | null = null;

  const record = (o: Interleaving): void => {
    interleavings++;
    if (o.truncated) truncated++;
    if (o.deadlock) deadlocks++;
    if (o.violation !== null) {
      violations++;
      if (o.violation.size > worst) worst = o.violation.size;
      if (shortest === null || o.labels.length < shortest.steps.length) {
        const steps = o.labels.map((label, i) => ({ thread: model.programs[o.schedule[i]!]!.name, label }));
        shortest = { steps, violation: o.violation.violation };
      }
    }
  };

  // Exhaustive DFS. `tried[i]` = threads already explored at depth i under the current prefix.
  let exhaustive = false;
  let prefix: number[] = [];
  const tried: number[] = [];
  for (;;) {
    if (interleavings >= options.maxInterleavings) break;
    const o = runOnce(model, prefix, options.maxSteps, nonPreemptive);
    record(o);
    // the run's own choices beyond the prefix are now "tried" at their depth
    for (let i = prefix.length; i < o.schedule.length; i++) tried[i] = 1 << o.schedule[i]!;
    tried.length = o.schedule.length;
    // backtrack: the deepest depth with an enabled, untried thread within the preemption bound
    let next: number[] | null = null;
    for (let d = o.schedule.length - 1; d >= 0 && next === null; d--) {
      let candidates = o.enabled[d]! & ~tried[d]!;
      if (candidates === 0) continue;
      const base = bound === Infinity ? 0 : preemptionsBefore(o.schedule, o.enabled, d);
      while (candidates !== 0) {
        const t = lowestBit(candidates);
        candidates &= candidates - 1;
        const preempts = d > 0 && t !== o.schedule[d - 1] && (o.enabled[d]! & (1 << o.schedule[d - 1]!)) !== 0;
        tried[d]! |= 1 << t;
        if (base + (preempts ? 1 : 0) <= bound) {
          next = o.schedule.slice(0, d);
          next.push(t);
          tried.length = d + 1;
          break;
        }
      }
    }
    if (next === null) {
      exhaustive = true;
      break;
    }
    prefix = next;
  }

  // Seeded random schedules once the budget ran out.
  let randomInterleavings = 0;
  if (!exhaustive) {
    const rng = new Rng(options.seed >>> 0);
    const randomChoice: Chooser = (mask) => {
      let k = rng.int(popcount(mask));
      let m = mask;
      while (k-- > 0) m &= m - 1;
      return lowestBit(m);
    };
    for (let r = 0; r < options.randomRuns; r++) {
      record(runOnce(model, [], options.maxSteps, randomChoice));
      randomInterleavings++;
    }
  }

  return { interleavings, exhaustive, violations, worst, shortest, truncated, randomInterleavings, deadlocks };
}

/** The shortest counterexample, numbered, one step a line; or a one-line summary if none. */
export function formatTrace(result: ExploreResult): string {
  const head = `${result.interleavings} interleavings${result.exhaustive ? ' (exhaustive)' : ` (not exhaustive, ${result.randomInterleavings} random)`}, ${result.violations} violating`;
  if (result.shortest === null) return `${head}; no violation found`;
  const steps = result.shortest.steps;
  const width = String(steps.length).length;
  const name = Math.max(...steps.map((s) => s.thread.length));
  const lines = steps.map((s, i) => `${String(i + 1).padStart(width)}. ${s.thread.padEnd(name)}  ${s.label}`);
  return `${head}; shortest counterexample (${steps.length} steps): ${result.shortest.violation}\n${lines.join('\n')}`;
}
