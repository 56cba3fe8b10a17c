// The report in a real browser: headless Chromium (the system's, driven by playwright-core;
// nothing is downloaded) opens a synthetic run and history from disk with the network cut,
// and the page must show no console error, fetch nothing, have a section for every suite and
// case, marks for every variant in every plot, and the injected change point drawn at its
// commit. The screenshot is kept in the test's output folder.
//
// Without Chromium the test is skipped with a line saying how to install it, unless
// HVBENCH_BROWSER_TEST=required (set by .ci/run), where a missing browser fails.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { reportMain } from '../../src/report/main.js';
import { tempDir, toySuites, writeHistory } from './fixture.js';

// The page's DOM, as much of it as the checks below use (the project compiles without lib.dom;
// the functions passed to page.evaluate run in the page).
interface El {
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): Iterable<El>;
  readonly classList: { contains(c: string): boolean };
  readonly textContent: string | null;
  getBoundingClientRect(): { x: number; width: number };
}
declare const document: El;

// HVBENCH_CHROMIUM names the browser (and only it is tried); otherwise Debian's paths
const CANDIDATES = process.env['HVBENCH_CHROMIUM']
  ? [process.env['HVBENCH_CHROMIUM']]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const executable = CANDIDATES.find((p) => existsSync(p));
const required = process.env['HVBENCH_BROWSER_TEST'] === 'required';
const HOW = 'install Chromium (Debian/Ubuntu: `apt-get install chromium`) or point HVBENCH_CHROMIUM at one';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The test's output folder: kept after the run (the screenshot and the page it shows). */
const OUTPUT =
  process.env['HVBENCH_TEST_OUTPUT'] ?? fileURLToPath(new URL('../../test-output/report/', import.meta.url));

if (executable === undefined && !required) {
  process.stdout.write(`browser test SKIPPED: no Chromium at ${CANDIDATES.join(' or ')}; ${HOW}\n`);
}

test('the report in headless Chromium', {
  skip: executable === undefined && !required ? `no Chromium: ${HOW}` : false,
}, async () => {
  assert.ok(executable !== undefined, `HVBENCH_BROWSER_TEST=required but no Chromium found; ${HOW}`);
  const { chromium } = await import('playwright-core');
  const root = tempDir('hvbench-report-browser-');
  const profile = tempDir('hvbench-report-chromium-');
  after(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(profile, { recursive: true, force: true });
  });
  const commits = writeHistory(root, 14, 8, 11);
  mkdirSync(OUTPUT, { recursive: true });
  const file = join(OUTPUT, 'report.html');
  const code = await reportMain(
    ['--out', file],
    { cwd: root, out: () => {}, err: () => {} },
    async (s) => `question of ${s}?`,
  );
  assert.equal(code, 0);

  // launchPersistentContext is how playwright takes a fresh --user-data-dir
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable,
    headless: true,
    args: ARGS,
    viewport: { width: 1200, height: 1500 },
  });
  try {
    const fetched: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      fetched.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const sections = await page.evaluate(() =>
      [...document.querySelectorAll('section.case')].map(
        (s) => `${s.getAttribute('data-suite')} ${s.getAttribute('data-case')}`,
      ),
    );
    const expected = toySuites().flatMap((s) => s.cases.map((c) => `${s.name} ${c}`));
    assert.deepEqual([...sections].sort(), [...expected].sort());
    const suites = await page.evaluate(() =>
      [...document.querySelectorAll('#run section.suite')].map((s) => s.getAttribute('data-suite')),
    );
    assert.deepEqual(
      suites,
      toySuites().map((s) => s.name),
    );

    // every plot: marks in each drawn variant's colour (medians in run plots, lines in history)
    const plots = await page.evaluate(() =>
      [...document.querySelectorAll('figure.plot')].map((f) => {
        const variants = (f.getAttribute('data-variants') ?? '').split(',');
        const colours = (f.getAttribute('data-colours') ?? '').split(',');
        const history = f.classList.contains('history');
        const marks = colours.map(
          (c) =>
            [...f.querySelectorAll(history ? `g.lines_marks path[stroke="${c}"]` : `g.medians_marks path[fill="${c}"]`)]
              .length,
        );
        return { history, variants, marks };
      }),
    );
    assert.equal(plots.filter((p) => !p.history).length, 3, 'a ratio plot per case with timings');
    assert.equal(plots.filter((p) => p.history).length, 5, 'a history plot per (suite, case, metric)');
    for (const p of plots) {
      assert.ok(p.variants.length >= 1);
      p.marks.forEach((n, i) =>
        assert.ok(n >= 1, `no mark for ${p.variants[i]} in a ${p.history ? 'history' : 'ratio'} plot`),
      );
    }

    // the change point: drawn at the x of commit 8's tick, and not at its neighbours'
    const at = commits[7]!.slice(0, 12);
    const where = await page.evaluate((sha) => {
      const out: { rule: number; tick: number; prev: number; next: number }[] = [];
      for (const f of document.querySelectorAll('figure.plot.history')) {
        const rule = f.querySelector(`line[aria-label="change point: tree at ${sha}"]`);
        if (rule === null) continue;
        const labels = [...f.querySelectorAll('g.role-axis-label text')].map((t) => t.textContent);
        const ticks = [...f.querySelectorAll('g.role-axis-tick line')].map((l) => {
          const r = l.getBoundingClientRect();
          return r.x + r.width / 2;
        });
        const i = labels.indexOf(sha);
        const r = rule.getBoundingClientRect();
        out.push({
          rule: r.x + r.width / 2,
          tick: ticks[i] ?? NaN,
          prev: ticks[i - 1] ?? NaN,
          next: ticks[i + 1] ?? NaN,
        });
      }
      return out;
    }, at);
    assert.equal(where.length, 4, 'the step is drawn in the four series of variant tree');
    for (const w of where) {
      assert.ok(Math.abs(w.rule - w.tick) < 1.5, `rule at x=${w.rule}, commit ${at} at x=${w.tick}`);
      assert.ok(Math.abs(w.rule - w.prev) > 5 && Math.abs(w.rule - w.next) > 5);
    }

    const shot = join(OUTPUT, 'report.png');
    await page.screenshot({ path: shot });
    assert.ok(existsSync(shot));
    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(fetched, [], 'the page fetched something');
    process.stdout.write(`browser test: screenshot ${shot}\n`);
  } finally {
    await context.close();
  }
});
