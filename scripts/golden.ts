// `npm run golden`: recompute the default grid's exact counters (seed 1) and write them to
// test/golden/counters.csv. Run it in the commit that changes a counter, and say why in the
// commit message; test/golden.test.ts fails until the file matches the models again.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SUITES } from '../bench/suites.js';
import { collectCounters, goldenCsv } from '../src/harness/golden.js';
import { loadRegistry } from '../src/harness/registry.js';

const target = fileURLToPath(new URL('../../test/golden/counters.csv', import.meta.url));
const rows = await collectCounters(await loadRegistry(SUITES), 'default', 1);
writeFileSync(target, goldenCsv(rows));
process.stdout.write(`wrote ${rows.length} counters to ${target}\n`);
