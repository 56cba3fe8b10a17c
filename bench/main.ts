// `npm run bench`: the entry point. It runs from a snapshot of what was built (see
// src/harness/snapshot.ts), so a rebuild during the run cannot pull the code from under it.
// SIGINT (Ctrl-C) and SIGTERM (a CI cancel, `timeout`) stop the run alike: running workers are
// terminated, what finished is kept, files stay marked .partial, the manifest says
// interrupted, and the exit code is 130. A second signal exits at once.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EXIT } from '../src/harness/exit.js';
import { takeSnapshot } from '../src/harness/snapshot.js';

const here = dirname(fileURLToPath(import.meta.url));
const dist = dirname(here);
const inSnapshot = process.env['HVBENCH_SNAPSHOT'] === here;

if (!inSnapshot && process.env['HVBENCH_NO_SNAPSHOT'] === undefined) {
  const snap = takeSnapshot(dist, dirname(dist));
  process.env['HVBENCH_SNAPSHOT'] = join(snap, 'bench');
  await import(pathToFileURL(join(snap, 'bench', 'main.js')).href);
} else {
  const { defaultResultsRoot, runCli } = await import('../src/harness/cli.js');
  const { SUITES } = await import('./suites.js');
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) process.exit(EXIT.interrupted);
      process.stderr.write(`\n${signal}: stopping after terminating the running tasks (again to exit now)\n`);
      interrupt.abort();
    });
  }
  // a reader that goes away (`| head`) ends the output, not the run with a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    registry: SUITES,
    resultsRoot: defaultResultsRoot(),
    out: process.stdout,
    err: process.stderr,
    interrupt: interrupt.signal,
  });
}
