// The section of the page across commits: the commits in history order, then per suite one
// chart per (case, metric) with every variant's median per commit and its change points, each
// change point listed with its commit and what the pair of commits around it says under
// compare's statistics (ratio of medians with its bootstrap interval, Mann-Whitney U over
// per-worker medians), and the commits where an exact counter changed.
import { bootstrapRatioCI, hashSeed, mannWhitneyU, median } from '../compare/stats.js';
import { CHANGE_POINT_DEFAULTS } from './edivisive.js';
import { MIN_CHANGE_PCT, type Commit, type History, type Series } from './history.js';
import { anchor, approx, change, esc } from './html.js';
import { styleOf } from './palette.js';
import { historyPlot, type ChangeDatum } from './plots.js';
import { samplesOf, rowKey, type Worker } from './read.js';

const commitId = (c: Commit) => `commit-${c.short}`;

function commitLink(h: History, at: number): string {
  const c = h.commits[at]!;
  return `<a href="#${commitId(c)}"><code>${esc(c.short)}</code></a>`;
}

/** Samples are read only for the commits around a change point, and once per run and suite. */
class SampleCache {
  private readonly cache = new Map<string, Map<string, Worker[]>>();
  workers(c: Commit, s: Series): Worker[] {
    return c.runs.flatMap((run) => {
      const k = `${run.dir}\u0000${s.suite}`;
      let m = this.cache.get(k);
      if (m === undefined) this.cache.set(k, (m = samplesOf(run, s.suite)));
      return m.get(rowKey(s)) ?? [];
    });
  }
}

function pairVerdict(h: History, s: Series, from: number, at: number, cache: SampleCache): string {
  const base = cache.workers(h.commits[from]!, s);
  const head = cache.workers(h.commits[at]!, s);
  const cmd = `npm run compare -- ${h.commits[from]!.short} ${h.commits[at]!.short} --no-run`;
  if (base.length === 0 || head.length === 0) return `no samples stored; <code>${esc(cmd)}</code>`;
  const ci = bootstrapRatioCI(
    base.map((w) => w.values),
    head.map((w) => w.values),
    { seed: hashSeed(rowKey(s) + at), resamples: 1000 },
  );
  const mw = mannWhitneyU(
    head.map((w) => median(w.values)),
    base.map((w) => median(w.values)),
  );
  return `${change(ci.ratio)} [${change(ci.lo)}, ${change(ci.hi)}], p=${mw.p < 0.001 ? '<0.001' : mw.p.toFixed(3)} n=${base.length}+${head.length} workers (uncorrected); <code>${esc(cmd)}</code>`;
}

async function chart(h: History, group: Series[], variants: string[], cache: SampleCache): Promise<string> {
  const first = group[0]!;
  const commits = h.commits.map((c) => c.short);
  const points = group.flatMap((s) =>
    s.points.map((p) => ({ commit: commits[p.at]!, variant: s.variant, median: p.median, lo: p.lo, hi: p.hi })),
  );
  const changes: ChangeDatum[] = group.flatMap((s) =>
    s.changes.map((c) => ({
      commit: commits[c.at]!,
      variant: s.variant,
      label: `change point: ${s.variant} at ${commits[c.at]}`,
      tag: commits[c.at]!.slice(0, 7),
    })),
  );
  const used = variants.filter((v) => group.some((s) => s.variant === v));
  const colours = styleOf(variants).colours;
  const svg = await historyPlot(first.unit, variants, commits, points, changes);
  const list = group.flatMap((s) =>
    s.changes.map((c) => {
      const idx = s.points.findIndex((p) => p.at === c.at);
      const from = s.points[idx - 1]!.at;
      return `<li data-variant="${esc(s.variant)}" data-commit="${esc(commits[c.at]!)}"><b>${esc(s.variant)}</b> at ${commitLink(h, c.at)} ${esc(h.commits[c.at]!.subject)}: median ${approx(c.before)} → ${approx(c.after)} ${esc(s.unit)} (${change(c.after / c.before)}, permutation p=${c.p.toFixed(3)}); against ${commitLink(h, from)}: ${pairVerdict(h, s, from, c.at, cache)}</li>`;
    }),
  );
  return `<div class="series" id="${anchor('history', first.suite, first.case, first.metric)}" data-suite="${esc(first.suite)}" data-case="${esc(first.case)}" data-metric="${esc(first.metric)}">
<h4>${esc(first.metric)} · <code>${esc(first.case)}</code></h4>
<figure class="plot history" data-variants="${esc(used.join(','))}" data-colours="${esc(used.map((v) => colours[variants.indexOf(v)]!).join(','))}" data-changes="${esc(changes.map((c) => `${c.variant}@${c.commit}`).join(' '))}">${svg}</figure>
${list.length > 0 ? `<ul class="changes">${list.join('')}</ul>` : '<p class="small">No change point.</p>'}
</div>`;
}

function commitTable(h: History): string {
  const rows = h.commits.map(
    (c, i) =>
      `<tr id="${commitId(c)}"><td class="num">${i + 1}</td><td><code>${esc(c.short)}</code></td><td>${esc(c.date)}</td><td>${esc(c.subject)}</td><td class="num">${c.runs.length}</td></tr>`,
  );
  return `<details${h.commits.length <= 30 ? ' open' : ''}><summary>${h.commits.length} commits with stored runs, oldest first</summary>
<table class="commits"><tr><th>#</th><th>commit</th><th>date</th><th>subject</th><th>runs</th></tr>${rows.join('')}</table></details>`;
}

function counterTable(h: History, suite: string): string {
  const changes = h.counterChanges.filter((c) => c.suite === suite);
  if (changes.length === 0) return `<p class="small">No exact counter changed across these commits.</p>`;
  const rows = changes.map(
    (c) =>
      `<tr><td>${commitLink(h, c.at)}</td><td>${esc(c.case)}</td><td>${esc(c.variant)}</td><td>${esc(c.metric)}</td><td class="num">${esc(c.before)} → ${esc(c.after)} ${esc(c.unit)}</td><td>since ${commitLink(h, c.from)}</td></tr>`,
  );
  return `<table class="counter-changes"><tr><th>commit</th><th>case</th><th>variant</th><th>counter</th><th>before → after</th><th></th></tr>${rows.join('')}</table>`;
}

export async function historySection(h: History, suiteVariants: (suite: string) => string[]): Promise<string> {
  const suites = [...new Set(h.series.map((s) => s.suite).concat(h.counterChanges.map((c) => c.suite)))];
  const cache = new SampleCache();
  const parts: string[] = [];
  for (const suite of suites) {
    const groups = new Map<string, Series[]>();
    for (const s of h.series.filter((x) => x.suite === suite)) {
      const k = `${s.case}\u0000${s.metric}`;
      groups.set(k, [...(groups.get(k) ?? []), s]);
    }
    const variants = suiteVariants(suite);
    const charts: string[] = [];
    for (const g of groups.values()) charts.push(await chart(h, g, variants, cache));
    const nChanges = [...groups.values()].flat().reduce((n, s) => n + s.changes.length, 0);
    parts.push(`<section class="suite-history" id="${anchor('history', suite)}" data-suite="${esc(suite)}">
<h3>${esc(suite)} across commits</h3>
<p>${groups.size} timing series group${groups.size === 1 ? '' : 's'}, ${nChanges} change point${nChanges === 1 ? '' : 's'}.</p>
<h4>Counters: the commits where one changed</h4>
${counterTable(h, suite)}
${charts.join('\n')}
</section>`);
  }
  return `<section class="history" id="history">
<h2>Across commits</h2>
<p>Each point is a commit's median (runs of one commit pooled: the median of their medians), its band ± half the spread of per-worker medians. Change points: E-divisive means (Matteson and James 2014, as MongoDB's performance CI uses it), permutation test (${CHANGE_POINT_DEFAULTS.permutations} permutations) at α=${CHANGE_POINT_DEFAULTS.alpha}, at least ${CHANGE_POINT_DEFAULTS.minSize} commits either side, changes under ${MIN_CHANGE_PCT}% not shown (compare's threshold); a dashed rule marks the first commit after the change.</p>
${commitTable(h)}
${parts.join('\n')}
</section>`;
}
