// The default grid's exact counters (seed 1) against test/golden/counters.csv. A model
// change that alters a counter must update that file in the same commit (`npm run golden`),
// so the change is a readable diff; this test names every counter that moved.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { SUITES } from '../bench/suites.js';
import { collectCounters, type GoldenRow } from '../src/harness/golden.js';
import { loadRegistry } from '../src/harness/registry.js';

const file = fileURLToPath(new URL('../../test/golden/counters.csv', import.meta.url));
const key = (r: GoldenRow) => `${r.suite} | ${r.case} | ${r.variant} | ${r.metric}`;

test('the default grid computes exactly the counters in test/golden/counters.csv', async () => {
  const golden = parse(readFileSync(file, 'utf8'), { columns: true }) as GoldenRow[];
  const fresh = await collectCounters(await loadRegistry(SUITES), 'default', 1);
  const want = new Map(golden.map((r) => [key(r), `${r.value} ${r.unit}`]));
  const got = new Map(fresh.map((r) => [key(r), `${r.value} ${r.unit}`]));
  const diffs: string[] = [];
  for (const [k, v] of want) if (got.get(k) !== v) diffs.push(`${k}: golden ${v}, now ${got.get(k) ?? '(gone)'}`);
  for (const [k, v] of got) if (!want.has(k)) diffs.push(`${k}: new, ${v}`);
  assert.deepEqual(
    diffs,
    [],
    `counters differ from the golden file (run \`npm run golden\` if the change is intended, and say why in the commit):\n${diffs.join('\n')}`,
  );
  assert.ok(golden.length > 0);
});
