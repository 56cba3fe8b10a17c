// The section of the page for one run: per suite its question and gate summary, then per case
// the ratio plot, the timings, the exact counters beside them, the observed gauges, and the
// explorer's shortest counterexamples as numbered steps.
import { isAbsolute, relative } from 'node:path';
import { anchor, approx, change, esc, exact, parseTrace, pct } from './html.js';
import { styleOf } from './palette.js';
import { ratioPlot, type RatioDatum } from './plots.js';
import type { RunData } from './read.js';
import type { CaseView, SuiteView, ValueView, VariantState } from './runview.js';

function stateText(s: VariantState | undefined): string {
  if (s === undefined) return '<span class="over">does not apply to this case</span>';
  switch (s.state) {
    case 'ok':
      return `<span class="ok">passed the correctness gate${s.checked === undefined ? '' : ` (${exact(s.checked)} observations agreed with the reference)`}</span>`;
    case 'unsupported':
      return `<span class="over">over capacity: ${esc(s.detail)}</span>`;
    case 'gate-failed':
      return `<span class="fail">FAILED the correctness gate, so it was not timed: ${esc(s.detail)}</span>`;
    case 'error':
      return `<span class="fail">threw an error: ${esc(s.detail)}</span>`;
    case 'timeout':
      return `<span class="fail">did not finish in time and was stopped: ${esc(s.detail)}</span>`;
  }
}

function gateSummary(sv: SuiteView): string {
  let pairs = 0;
  let over = 0;
  const failed: string[] = [];
  for (const c of sv.cases) {
    for (const [v, s] of c.states) {
      pairs++;
      if (s.state === 'unsupported') over++;
      else if (s.state !== 'ok') failed.push(`${v} on ${c.key} (${s.state})`);
    }
  }
  const passed = pairs - over - failed.length;
  let text = `${passed} of ${pairs} (variant, case) pairs passed the correctness gate`;
  if (over > 0)
    text += `; ${over} ${over === 1 ? 'was' : 'were'} over the variant's capacity (a result: the limit is named in the case)`;
  if (failed.length === 0) return `<p class="ok">${esc(text)}; none failed.</p>`;
  return `<p class="fail">${esc(`${text}; ${failed.length} failed: ${failed.join('; ')}`)}.</p>`;
}

async function plot(sv: SuiteView, c: CaseView): Promise<string> {
  const ref = c.reference;
  if (c.timings.length === 0 || ref === undefined) return '';
  const metrics = [...new Set(c.timings.map((t) => t.metric))];
  const data: RatioDatum[] = [];
  for (const t of c.timings) {
    if (t.ratio === undefined) continue;
    const lo = t.lo ?? t.ratio;
    const hi = t.hi ?? t.ratio;
    data.push({ metric: t.metric, variant: t.variant, kind: 'median', ratio: t.ratio, lo, hi });
    for (const w of t.workers) data.push({ metric: t.metric, variant: t.variant, kind: 'worker', ratio: w });
    if (t.aaBandPct !== undefined) {
      const b = t.aaBandPct / 100;
      data.push({ metric: t.metric, variant: t.variant, kind: 'band', lo: 1 / (1 + b), hi: 1 + b });
    }
  }
  if (data.length === 0) return '';
  const drawn = sv.variants.filter((v) => data.some((d) => d.variant === v && d.kind === 'median'));
  const colours = styleOf(sv.variants).colours;
  const svg = await ratioPlot(ref, sv.variants, metrics, data);
  return `<figure class="plot ratio" data-variants="${esc(drawn.join(','))}" data-colours="${esc(drawn.map((v) => colours[sv.variants.indexOf(v)]!).join(','))}">${svg}
<figcaption class="small">Filled mark: the variant's median over ${esc(ref)}'s${ref === sv.baseline ? '' : ` (the baseline ${esc(sv.baseline)} has no timing in this case)`}, with its 95% bootstrap interval (workers, then samples); hollow marks: one per worker (a round × replica in its own isolate); grey bar: the A/A band, how far two workers of the same code disagreed.</figcaption></figure>`;
}

function timingTable(sv: SuiteView, c: CaseView): string {
  if (c.timings.length === 0) return '';
  const rows = c.timings.map((t) => {
    const isRef = t.variant === c.reference;
    const ratio = t.ratio === undefined ? '–' : isRef ? '1 (reference)' : `×${approx(t.ratio)}`;
    const ci = t.lo === undefined || t.hi === undefined ? '' : ` [${approx(t.lo)}, ${approx(t.hi)}]`;
    return `<tr><td class="key">${esc(t.metric)}</td><td class="key">${esc(t.variant)}</td><td class="num">${approx(t.median)} ${esc(t.unit)}</td><td class="num">±${pct(t.spreadPct === undefined ? undefined : t.spreadPct / 2)}</td><td class="num">${ratio}${ci}</td><td class="num">${t.ratio !== undefined && !isRef ? change(t.ratio) : ''}</td><td class="num">${pct(t.aaBandPct)}</td><td class="num">${t.workers.length}</td></tr>`;
  });
  return `<table class="timings"><tr><th>metric</th><th>variant</th><th>median</th><th>± workers</th><th>ratio to ${esc(c.reference ?? sv.baseline)} [95% CI]</th><th>change</th><th>A/A band</th><th>workers</th></tr>${rows.join('')}</table>`;
}

/** A variant with no values in the case says why in its column: over capacity, or failed. */
function absent(s: VariantState | undefined, first: boolean): string {
  if (s === undefined || s.state === 'ok') return '<td class="num">–</td>';
  if (s.state === 'unsupported') return `<td class="over">over capacity${first ? `: ${esc(s.detail)}` : ''}</td>`;
  return `<td class="fail">not measured (${esc(s.state)})</td>`;
}

function valueTable(sv: SuiteView, c: CaseView, vs: readonly ValueView[], what: string): string {
  if (vs.length === 0) return '';
  const present = sv.variants.filter(
    (v) => vs.some((x) => x.byVariant.has(v)) || (c.states.get(v)?.state ?? 'ok') !== 'ok',
  );
  const body = vs.map((x, row) => {
    const details = present.filter((v) => x.byVariant.has(v)).map((v) => x.byVariant.get(v)!.detail.split('\n')[0]!);
    const same = details.every((d) => d === details[0]);
    const cells = present.map((v) => {
      const r = x.byVariant.get(v);
      if (r === undefined) return absent(c.states.get(v), row === 0);
      const detail = r.detail.split('\n')[0]!;
      const note = same || detail === '' ? '' : `<div class="small">${esc(detail)}</div>`;
      return `<td class="num">${exact(r.median)}${note}</td>`;
    });
    return `<tr><td class="key">${esc(x.metric)}</td><td class="key">${esc(x.unit)}</td>${cells.join('')}<td class="small">${same ? esc(details[0] ?? '') : ''}</td></tr>`;
  });
  return `<table class="${what}"><tr><th>${what === 'counters' ? 'counter (exact)' : 'gauge (observed)'}</th><th>unit</th>${present.map((v) => `<th>${esc(v)}</th>`).join('')}<th>what it counts</th></tr>${body.join('')}</table>`;
}

function traces(sv: SuiteView, c: CaseView): string {
  const out: string[] = [];
  for (const x of [...c.counters, ...c.gauges]) {
    for (const v of sv.variants) {
      const r = x.byVariant.get(v);
      const t = r === undefined ? undefined : parseTrace(r.detail);
      if (t === undefined || t.steps.length === 0) continue;
      const steps = t.steps.map((s) => `<li><span class="thread">${esc(s.thread)}</span> ${esc(s.label)}</li>`);
      out.push(
        `<div class="trace"><h4>${esc(v)}: shortest counterexample (<code>${esc(x.metric)}</code>)</h4><p class="small">${esc(t.summary)}</p><ol class="trace">${steps.join('')}</ol></div>`,
      );
    }
  }
  return out.join('\n');
}

async function caseSection(sv: SuiteView, c: CaseView): Promise<string> {
  const id = anchor('run', sv.name, c.key);
  const states = sv.variants
    .filter((v) => c.states.has(v))
    .map((v) => `<li><b>${esc(v)}</b>: ${stateText(c.states.get(v))}</li>`);
  return `<section class="case" id="${id}" data-suite="${esc(sv.name)}" data-case="${esc(c.key)}">
<h3>${esc(sv.name)} · <code>${esc(c.key)}</code></h3>
<ul class="states">${states.join('')}</ul>
${await plot(sv, c)}
${timingTable(sv, c)}
${valueTable(sv, c, c.counters, 'counters')}
${valueTable(sv, c, c.gauges, 'gauges')}
${traces(sv, c)}
</section>`;
}

/** A run's folder as the reader would type it: relative to the current folder when inside it. */
function shown(dir: string): string {
  const r = relative(process.cwd(), dir);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? dir : r;
}

export function runHeader(run: RunData): string {
  const o = run.manifest?.options ?? {};
  const opts = ['profile', 'seed', 'rounds', 'time_ms', 'aa', 'threads']
    .filter((k) => o[k] !== undefined)
    .map((k) => `${k}=${String(o[k])}`);
  const env = run.env;
  return `<p class="small">run <code>${esc(run.runId)}</code> of commit <code>${esc(run.commit.slice(0, 12))}${run.dirty ? ' (with uncommitted changes)' : ''}</code>, started ${esc(run.startedAt)}; ${esc(`${env['host']} · ${env['cpu']} · ${env['cores']} cores · Node ${env['node']} · V8 ${env['v8']}`)}${opts.length > 0 ? ` · ${esc(opts.join(' '))}` : ''} · from <code>${esc(shown(run.dir))}</code></p>`;
}

export async function suiteSection(sv: SuiteView): Promise<string> {
  const cases: string[] = [];
  for (const c of sv.cases) cases.push(await caseSection(sv, c));
  return `<section class="suite" id="${anchor('run', sv.name)}" data-suite="${esc(sv.name)}">
<h2>${esc(sv.name)}</h2>
${sv.question === undefined ? '' : `<p class="question">${esc(sv.question)}</p>`}
<p>Variants: ${sv.variants.map((v) => `<b>${esc(v)}</b>${v === sv.baseline ? ' (baseline)' : ''}`).join(', ')}; ${sv.cases.length} case${sv.cases.length === 1 ? '' : 's'}.</p>
${gateSummary(sv)}
${cases.join('\n')}
</section>`;
}
