// One error type for bad input and one table of exit codes, shared by `npm run bench` and
// `npm run compare`, so that a CI log reader can tell at once whether the code got slower or
// broke (1), or the run could not be made as asked (2), without reading a stack trace.

/**
 * Bad input: an unknown option, suite, variant or ref, a malformed number, an unreadable or
 * corrupt file, a refused comparison. The message names what was wrong and what would be
 * right; the process exits EXIT.badInput, before anything is measured where possible.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Results could not be written (disk full, a read-only folder): the path and the cause are named. */
export class WriteError extends Error {
  override readonly name = 'WriteError';
}

export const EXIT = {
  ok: 0,
  /** bench: a variant failed its gate, threw or hung; compare: a regression under --fail-on regression */
  failed: 1,
  badInput: 2,
  /** results could not be written: what was written stays marked partial */
  writeFailed: 3,
  /** SIGINT or SIGTERM: what finished is kept, the rest is marked partial */
  interrupted: 130,
} as const;

/** The exit codes in words, as the README and docs/guarantees.md list them. */
export const EXIT_MEANINGS: readonly (readonly [number, string])[] = [
  [EXIT.ok, 'done: every variant passed (bench), or nothing regressed (compare)'],
  [EXIT.failed, 'bench: a variant failed its gate, threw or hung; compare: a regression under `--fail-on regression`'],
  [EXIT.badInput, 'bad input (option, suite, variant, ref, file), or a comparison refused; the message says which'],
  [EXIT.writeFailed, 'results could not be written (disk full, read-only folder); the message names the path'],
  [EXIT.interrupted, 'interrupted (SIGINT or SIGTERM); finished tasks are kept, files marked partial'],
];

/** The exit-code table as `--help` prints it. */
export function exitLines(): string {
  return ['exit codes:', ...EXIT_MEANINGS.map(([c, m]) => `  ${String(c).padEnd(4)}${m.replace(/`/g, '')}`)].join('\n');
}
