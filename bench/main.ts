// `npm run bench`: the entry point. SIGINT (Ctrl-C) and SIGTERM (a CI cancel, `timeout`) stop
// the run alike: running workers are terminated, what finished is kept, files stay marked
// .partial, the manifest says interrupted, and the exit code is 130. A second signal exits at once.
import { EXIT } from '../src/harness/exit.js';
import { defaultResultsRoot, runCli } from '../src/harness/cli.js';
import { SUITES } from './suites.js';

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

const code = await runCli(process.argv.slice(2), {
  registry: SUITES,
  resultsRoot: defaultResultsRoot(),
  out: process.stdout,
  err: process.stderr,
  interrupt: interrupt.signal,
});
process.exitCode = code;
