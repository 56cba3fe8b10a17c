// A text cell as it may go out in a CSV: a spreadsheet opening the file must show it, never
// run it. A cell that starts with = + - @ (or a tab or carriage return, which some
// spreadsheets skip before such a character) is a formula to Excel, LibreOffice and Google
// Sheets; prefixing a single quote makes it text (OWASP, "CSV Injection"). A cell that is a
// plain number (-5.2, +1e-3) stays as it is: a spreadsheet reads it as the number it is.
export function csvCell(s: string): string {
  if (!/^[=+\-@\t\r]/.test(s)) return s;
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) ? s : `'${s}`;
}
