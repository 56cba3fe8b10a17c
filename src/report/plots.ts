// Plots rendered at report time to static SVG: Vega-Lite specs compiled to Vega and rendered
// by Vega's headless SVG renderer in Node (no DOM, no canvas), so the page needs no script to
// show them. A spec is compiled, parsed and its view built once per shape (unit, variants), then
// fed each chart's data in turn: building dominates the cost, and a history has many charts alike.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { styleOf } from './palette.js';

const FONT = 'system-ui, sans-serif';
const CONFIG = {
  aria: false,
  font: FONT,
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 'normal' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', direction: 'horizontal', symbolOpacity: 1 },
  view: { stroke: '#ccc' },
} as const;

const views = new Map<string, vega.View>();

async function render(cacheKey: string, spec: () => TopLevelSpec, data: Record<string, object[]>): Promise<string> {
  let view = views.get(cacheKey);
  if (view === undefined) {
    view = new vega.View(vega.parse(compile(spec()).spec), { renderer: 'none' });
    views.set(cacheKey, view);
  }
  // the same dataflow, fed the next chart's data: building a view costs more than running it
  for (const [name, values] of Object.entries(data)) view.data(name, values);
  return view.toSVG();
}

/** Frees the views kept for reuse (call when a page is done). */
export function releasePlots(): void {
  for (const v of views.values()) v.finalize();
  views.clear();
}

function variantScales(variants: readonly string[]) {
  const s = styleOf(variants);
  return {
    color: { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: [...variants], range: s.colours } },
    shape: { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: [...variants], range: s.shapes } },
    dash: { field: 'variant', type: 'nominal', title: 'variant', scale: { domain: [...variants], range: s.dashes } },
  } as const;
}

export interface RatioDatum {
  readonly metric: string;
  readonly variant: string;
  /** worker: one worker's median over the baseline's; median: the row's ratio with lo, hi */
  readonly kind: 'worker' | 'median' | 'band';
  readonly ratio?: number;
  readonly lo?: number;
  readonly hi?: number;
}

/**
 * One case of a run: each timing metric a row, each variant a line within it; the cost as a
 * ratio to the baseline on a log axis, a dot per worker, the median with its interval, and
 * the A/A band (how far two workers of the same code disagreed) as a grey bar around 1.
 */
export function ratioPlot(
  baseline: string,
  variants: readonly string[],
  metrics: readonly string[],
  data: RatioDatum[],
) {
  const sc = variantScales(variants);
  const height = Math.max(40, metrics.length * (variants.length * 16 + 10));
  const y = {
    field: 'metric',
    type: 'nominal',
    title: null,
    scale: { domain: [...metrics] },
    axis: { labelLimit: 160 },
  };
  const yOffset = { field: 'variant', type: 'nominal', scale: { domain: [...variants], paddingOuter: 0.3 } };
  const x = {
    field: 'ratio',
    type: 'quantitative',
    scale: { type: 'log', nice: false, padding: 12 },
    title: `cost relative to ${baseline} (×, log scale; below 1 is cheaper)`,
  };
  const spec = (): TopLevelSpec =>
    ({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 520,
      height,
      config: CONFIG,
      data: { name: 'ratios' },
      layer: [
        {
          transform: [{ filter: "datum.kind === 'band'" }],
          name: 'aaband',
          mark: { type: 'rule', strokeWidth: 9, color: '#ddd' },
          encoding: { y, yOffset, x: { ...x, field: 'lo' }, x2: { field: 'hi' } },
        },
        { mark: { type: 'rule', color: '#888', strokeDash: [3, 3] }, encoding: { x: { datum: 1 } } },
        {
          transform: [{ filter: "datum.kind === 'median'" }],
          name: 'interval',
          mark: { type: 'rule', strokeWidth: 1.5 },
          encoding: { y, yOffset, x: { ...x, field: 'lo' }, x2: { field: 'hi' }, color: sc.color },
        },
        {
          transform: [{ filter: "datum.kind === 'worker'" }],
          name: 'workers',
          mark: { type: 'point', filled: false, size: 30, opacity: 0.8 },
          encoding: { y, yOffset, x, color: sc.color, shape: sc.shape },
        },
        {
          transform: [{ filter: "datum.kind === 'median'" }],
          name: 'medians',
          mark: { type: 'point', filled: true, size: 90, opacity: 1 },
          encoding: { y, yOffset, x, color: sc.color, shape: sc.shape },
        },
      ],
    }) as unknown as TopLevelSpec;
  return render(`ratio|${baseline}|${variants.join(',')}|${metrics.join(',')}`, spec, { ratios: data });
}

export interface HistoryDatum {
  readonly commit: string;
  readonly variant: string;
  readonly median: number;
  readonly lo: number;
  readonly hi: number;
}

export interface ChangeDatum {
  readonly commit: string;
  readonly variant: string;
  /** what the change point says, read by screen readers (aria-label) and by the browser test */
  readonly label: string;
  /** drawn beside the rule */
  readonly tag: string;
}

function ticks(commits: readonly string[]): string[] {
  const step = Math.max(1, Math.ceil(commits.length / 30));
  return commits.filter((_, i) => i % step === 0 || i === commits.length - 1);
}

/**
 * One (suite, case, metric) across commits: each variant's median per commit, in history
 * order, with its band (± half the spread of per-worker medians, as the bench's end table
 * prints it), and each change point as a dashed vertical rule at the first commit after it.
 */
export function historyPlot(
  unit: string,
  variants: readonly string[],
  commits: readonly string[],
  points: HistoryDatum[],
  changes: ChangeDatum[],
) {
  const sc = variantScales(variants);
  const x = {
    field: 'commit',
    type: 'ordinal',
    scale: { domain: [...commits] },
    title: `commit (git history, oldest first; ${commits.length} commits)`,
    // a tick per commit would be hundreds of labels nobody can read: about 30, evenly spread
    axis: { labelAngle: -45, labelFontSize: 9, values: ticks(commits) },
  };
  const dots = commits.length <= 120;
  const spec = (): TopLevelSpec =>
    ({
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: Math.min(900, Math.max(360, commits.length * 12)),
      height: 170,
      config: CONFIG,
      layer: [
        {
          data: { name: 'points' },
          name: 'bands',
          mark: { type: 'area', opacity: 0.15 },
          encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: sc.color },
        },
        {
          data: { name: 'points' },
          name: 'lines',
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: 'median', type: 'quantitative', title: `median [${unit}]`, scale: { zero: false } },
            color: sc.color,
            strokeDash: sc.dash,
          },
        },
        ...(dots
          ? [
              {
                data: { name: 'points' },
                name: 'dots',
                mark: { type: 'point', filled: true, size: 22 },
                encoding: { x, y: { field: 'median', type: 'quantitative' }, color: sc.color, shape: sc.shape },
              },
            ]
          : []),
        {
          data: { name: 'changes' },
          name: 'changepoints',
          mark: { type: 'rule', strokeWidth: 2, strokeDash: [5, 3], aria: true },
          encoding: { x, color: sc.color, description: { field: 'label' } },
        },
        {
          data: { name: 'changes' },
          name: 'changelabels',
          mark: { type: 'text', fontSize: 9, align: 'left', baseline: 'top', dx: 3, y: 2 },
          encoding: { x, text: { field: 'tag' }, color: sc.color },
        },
      ],
    }) as unknown as TopLevelSpec;
  return render(`history|${unit}|${variants.join(',')}|${commits.join(',')}`, spec, { points, changes });
}
