// A CSV reader for the files the harness writes (RFC 4180 as csv-stringify writes it: comma,
// double quotes doubled inside quoted fields, newlines inside quoted fields, LF or CRLF). A
// history reads hundreds of summaries, tens of megabytes: csv-parse, which the harness and
// compare use, walks them byte by byte through a resizable buffer and takes seconds for what
// this takes a fraction of, by slicing between separators. The test checks it against
// csv-parse, field for field.

export class CsvError extends Error {}

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const n = text.length;
  let row: string[] = [];
  let i = 0;
  while (i < n) {
    if (text.charCodeAt(i) === 34) {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) throw new CsvError(`unterminated quoted field starting at character ${i}`);
        value += text.slice(j, q);
        if (text.charCodeAt(q + 1) === 34) {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      row.push(value);
    } else {
      let j = i;
      while (j < n) {
        const c = text.charCodeAt(j);
        if (c === 44 || c === 10 || c === 13) break;
        j++;
      }
      row.push(text.slice(i, j));
      i = j;
    }
    const c = text.charCodeAt(i);
    if (c === 44) {
      i++;
      if (i === n) row.push('');
      continue;
    }
    if (i < n) {
      if (c === 13) i++;
      if (text.charCodeAt(i) !== 10 && i < n) throw new CsvError(`unexpected character after a field at ${i}`);
      i++;
    }
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  }
  if (row.length > 0 && !(row.length === 1 && row[0] === '')) rows.push(row);
  return rows;
}
