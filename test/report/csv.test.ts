// The report's CSV reader against csv-parse (the reference the harness and compare use), field
// for field: on tricky text, on files written by csv-stringify as the harness writes them, and
// on the fixture's run files.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Rng } from '../../src/harness/rng.js';
import { CsvError, parseCsv } from '../../src/report/csv.js';
import { tempDir, toySuites, writeRun } from './fixture.js';

const reference = (text: string) => parse(text, { skip_empty_lines: true, relax_column_count: true }) as string[][];

test('quotes, doubled quotes, commas and newlines inside fields, CRLF, empty fields and lines', () => {
  const texts = [
    'a,b,c\n1,2,3\n',
    'a,b\r\n"x, y","say ""hi"""\r\n',
    'a,b\n"line one\nline two",\n,\n\n3,4',
    'detail\n"105 interleavings; shortest (3 steps): stale\n 1. guest      rewrite\n 2. toolstack  map"\n',
    'a,"",b\n',
    '',
  ];
  for (const t of texts) assert.deepEqual(parseCsv(t), reference(t), JSON.stringify(t));
});

test('whatever csv-stringify writes reads back the same', () => {
  const rng = new Rng(3);
  const alphabet = ['a', 'b', ',', '"', '\n', ' ', 'é', '1'];
  for (let k = 0; k < 200; k++) {
    const rows = Array.from({ length: 1 + rng.int(4) }, () =>
      Array.from({ length: 3 }, () =>
        Array.from({ length: rng.int(6) }, () => alphabet[rng.int(alphabet.length)]!).join(''),
      ),
    );
    const text = stringify(rows);
    assert.deepEqual(parseCsv(text), reference(text), JSON.stringify(text));
  }
});

test("the fixture's run files read the same as with csv-parse", () => {
  const dir = tempDir('hvbench-report-csv-');
  try {
    writeRun(dir, toySuites(), { commit: 'c'.repeat(40), startedAt: '2026-01-01T00:00:00.000Z' });
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.csv'))) {
      const text = readFileSync(join(dir, f), 'utf8');
      assert.deepEqual(parseCsv(text), reference(text), f);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unterminated quote or a stray character after a quoted field is refused', () => {
  assert.throws(() => parseCsv('a\n"open\n'), CsvError);
  assert.throws(() => parseCsv('"a"b\n'), CsvError);
});
