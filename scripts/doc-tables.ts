// `node dist/scripts/doc-tables.js`: rewrites the option and exit-code tables of README.md and
// docs/ci.md (and docs/guarantees.md's exit codes) from the CLIs' own tables, which
// test/harness/docs.test.ts checks. Run it after changing an option.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { COMPARE_OPTIONS } from '../src/compare/args.js';
import { BENCH_OPTIONS } from '../src/harness/bench-options.js';
import { exitMarkdown } from '../src/harness/exit.js';
import { markdownTable } from '../src/harness/options.js';

const file = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** Replaces the Markdown table that starts with `header` by `table` (keeping rows matching `keep`). */
function replaceTable(text: string, header: string, table: string, keep?: RegExp): string {
  const at = text.indexOf(header);
  if (at < 0) return text;
  const lines = text.slice(at).split('\n');
  const end = lines.findIndex((l) => !l.startsWith('|'));
  const old = lines.slice(0, end);
  const kept = keep ? old.filter((l) => keep.test(l)) : [];
  return text.slice(0, at) + [table, ...kept, ...lines.slice(end)].join('\n');
}

for (const [path, options] of [
  ['README.md', BENCH_OPTIONS],
  ['docs/ci.md', COMPARE_OPTIONS],
  ['docs/guarantees.md', undefined],
] as const) {
  let text: string;
  try {
    text = readFileSync(file(path), 'utf8');
  } catch {
    continue;
  }
  if (options) text = replaceTable(text, '| option | meaning | default |', markdownTable(options), /^\| `-- BENCH/);
  text = replaceTable(text, '| exit | meaning |', exitMarkdown());
  writeFileSync(file(path), text);
}
