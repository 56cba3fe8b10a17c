// Builds the page: the newest run in detail, and the history of every gathered run when they
// span two commits or more.
import { latest, type Gathered } from './gather.js';
import { buildHistory } from './history.js';
import { historySection } from './historypage.js';
import { anchor, esc, page } from './html.js';
import { releasePlots } from './plots.js';
import { runHeader, suiteSection } from './runpage.js';
import { suiteView, type SuiteView } from './runview.js';

export interface Built {
  readonly html: string;
  readonly run: string;
  readonly suites: number;
  readonly cases: number;
  readonly commits: number;
  readonly changePoints: number;
  readonly notes: string[];
}

export type QuestionOf = (suite: string) => Promise<string | undefined>;

export async function buildReport(g: Gathered, questionOf: QuestionOf): Promise<Built> {
  try {
    return await build(g, questionOf);
  } finally {
    releasePlots();
  }
}

async function build(g: Gathered, questionOf: QuestionOf): Promise<Built> {
  const run = latest(g.runs);
  const notes = [...g.notes];
  const views: SuiteView[] = [];
  for (const s of run.suites) views.push(suiteView(run, s, run.manifest?.questions?.[s] ?? (await questionOf(s))));
  const sections: string[] = [];
  for (const v of views) sections.push(await suiteSection(v));
  const toc = views.map(
    (v) =>
      `<li><a href="#${anchor('run', v.name)}">${esc(v.name)}</a><ul>${v.cases.map((c) => `<li><a href="#${anchor('run', v.name, c.key)}"><code>${esc(c.key)}</code></a></li>`).join('')}</ul></li>`,
  );
  const history = buildHistory(g.runs, g.root);
  notes.push(...history.notes);
  let historyHtml = '';
  if (history.commits.length >= 2) {
    const baselineOf = (suite: string) =>
      g.runs.map((r) => r.manifest?.baselines?.[suite]).find((b) => b !== undefined);
    const variantsOf = (suite: string) => {
      const own = views.find((v) => v.name === suite)?.variants ?? [];
      const all = [...new Set(history.series.filter((s) => s.suite === suite).map((s) => s.variant))];
      const b = baselineOf(suite);
      return [...new Set([...own, ...(b !== undefined && all.includes(b) ? [b] : []), ...all])];
    };
    historyHtml = await historySection(history, variantsOf);
  } else {
    notes.push(
      `no history: the runs given cover ${history.commits.length} commit${history.commits.length === 1 ? '' : 's'} of this checkout (at least two are needed)`,
    );
  }
  const cases = views.reduce((n, v) => n + v.cases.length, 0);
  const changePoints = history.series.reduce((n, s) => n + s.changes.length, 0);
  const body = `<h1>hvbench report</h1>
${runHeader(run)}
${notes.length > 0 ? `<ul class="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
<nav><ul>${toc.join('')}${historyHtml === '' ? '' : '<li><a href="#history">across commits</a></li>'}</ul></nav>
<section class="run" id="run" data-run="${esc(run.runId)}">
${sections.join('\n')}
</section>
${historyHtml}`;
  return {
    html: page(`hvbench report · ${run.commit.slice(0, 12)}`, body),
    run: run.dir,
    suites: views.length,
    cases,
    commits: history.commits.length,
    changePoints,
    notes,
  };
}
