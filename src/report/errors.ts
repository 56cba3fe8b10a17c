// Input the report cannot use: a missing folder, a file of another schema, a bad option. The
// message names what was wrong and what would be right; the command exits 2 on it.
export class BadInput extends Error {}

export const EXIT_BAD_INPUT = 2;
