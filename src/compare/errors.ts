// Bad input (a missing file, a CSV of another schema, an unknown ref, conflicting options)
// is reported with one clear message and exit code 2, never a stack trace: a CI log reader
// must see at once whether the code got slower (exit 1) or the comparison could not be made.
export class InputError extends Error {
  override readonly name = 'InputError';
}

export const EXIT_OK = 0;
export const EXIT_REGRESSION = 1;
export const EXIT_BAD_INPUT = 2;
