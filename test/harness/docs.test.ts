// The documents' option tables are made from the CLIs' own option tables: an option added,
// renamed or re-described in one place and not the other fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COMPARE_OPTIONS, USAGE } from '../../src/compare/args.js';
import { BENCH_OPTIONS } from '../../src/harness/bench-options.js';
import { HELP } from '../../src/harness/cli.js';
import { markdownTable } from '../../src/harness/options.js';

const doc = (path: string) => readFileSync(fileURLToPath(new URL(`../../../${path}`, import.meta.url)), 'utf8');

/** The table that starts with the `| option | meaning | default |` header, up to its last row. */
function optionTable(text: string, path: string): string {
  const at = text.indexOf('| option | meaning | default |');
  assert.ok(at >= 0, `${path} has no option table`);
  const lines = text.slice(at).split('\n');
  const end = lines.findIndex((l) => !l.startsWith('|'));
  return lines.slice(0, end < 0 ? undefined : end).join('\n');
}

test("the README's option table is the bench's option table", () => {
  assert.equal(optionTable(doc('README.md'), 'README.md'), markdownTable(BENCH_OPTIONS));
});

test("docs/ci.md's option table is compare's option table (plus the bench options after --)", () => {
  const table = optionTable(doc('docs/ci.md'), 'docs/ci.md');
  assert.ok(table.startsWith(markdownTable(COMPARE_OPTIONS) + '\n'), table);
  assert.match(table.split('\n').at(-1)!, /^\| `-- BENCH-OPTIONS` \|/);
});

test('--help of bench and compare lists every option of their tables', () => {
  for (const o of BENCH_OPTIONS) assert.ok(HELP.includes(`--${o.name}`), o.name);
  for (const o of COMPARE_OPTIONS) assert.ok(USAGE.includes(`--${o.name}`), o.name);
});
