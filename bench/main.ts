// `npm run bench`: the entry point. Ctrl-C stops the run cleanly (running workers are
// terminated, files stay marked .partial); a second Ctrl-C exits at once.
import { defaultResultsRoot, runCli } from '../src/harness/cli.js';
import { SUITES } from './suites.js';

const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  process.stderr.write('\ninterrupted: stopping after terminating the running tasks (Ctrl-C again to exit now)\n');
  interrupt.abort();
});

const code = await runCli(process.argv.slice(2), {
  registry: SUITES,
  resultsRoot: defaultResultsRoot(),
  out: process.stdout,
  err: process.stderr,
  interrupt: interrupt.signal,
});
process.exitCode = code;
