// Shared by the harness tests: run the CLI in-process against the toy suite, into a
// temporary folder, with output captured instead of printed.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { runCli } from '../../src/harness/cli.js';
import type { OpenWrite } from '../../src/harness/output.js';
import type { Progress } from '../../src/harness/progress.js';

export const TOY = { toy: new URL('../fixtures/toy-suite.js', import.meta.url).href };

export function tempDir(prefix = 'hvbench-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export const quiet: Progress = { start() {}, done() {}, log() {}, stop() {} };

export async function cli(
  argv: string[],
  opts: { resultsRoot?: string; interrupt?: AbortSignal; progress?: Progress; openWrite?: OpenWrite } = {},
) {
  const out = new Capture();
  const err = new Capture();
  const code = await runCli(argv, {
    registry: TOY,
    resultsRoot: opts.resultsRoot ?? tempDir(),
    out,
    err,
    progress: opts.progress ?? quiet,
    ...(opts.interrupt ? { interrupt: opts.interrupt } : {}),
    ...(opts.openWrite ? { openWrite: opts.openWrite } : {}),
  });
  return { code, out: out.text, err: err.text };
}

export function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}
