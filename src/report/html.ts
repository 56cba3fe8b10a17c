// The page's frame and the small pieces every section uses: escaping, numbers, ids. The page
// is one file with its style inline and no script, no font and no image fetched: it opens
// from disk, offline, in any browser.

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An id usable in a URL fragment, stable for the same text. */
export function anchor(...parts: string[]): string {
  return parts
    .join('--')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** An exact value as recorded, integers grouped by thousands (a thin space) to be read aloud. */
export function exact(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x) && Math.abs(x) >= 10000) return x.toLocaleString('en-US').replace(/,/g, '\u2009');
  return String(x);
}

/** A measured value: four significant digits are more than a timing can carry. */
export function approx(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US').replace(/,/g, '\u2009');
  return Number(x.toPrecision(4)).toString();
}

export function pct(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '–' : `${x.toFixed(digits)}%`;
}

/** ratio → "+12.3%" / "−4.0%" */
export function change(ratio: number): string {
  const p = (ratio - 1) * 100;
  return `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}%`;
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 1.5em 4em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 2px solid #333; }
h3 { margin: 1.6em 0 .4em; font-size: 1.05em; } h4 { margin: 1em 0 .3em; font-size: .95em; }
code, .mono { font-family: ui-monospace, monospace; font-size: .92em; }
table { border-collapse: collapse; margin: .4em 0 .8em; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .2em .5em; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
table { max-width: 100%; } td.key { white-space: nowrap; overflow-wrap: normal; } td.small, td .small { min-width: 12em; white-space: normal; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #f3f3f3; } .small { font-size: .85em; color: #444; }
.ok { color: #075; } .over { color: #555; font-style: italic; } .fail { color: #b00; font-weight: bold; }
.question { font-size: 1.05em; background: #f6f6f2; border-left: 4px solid #999; padding: .5em .8em; }
figure { margin: .4em 0; } svg { max-width: 100%; height: auto; }
ol.trace { font-family: ui-monospace, monospace; font-size: .85em; }
ol.trace .thread { display: inline-block; min-width: 6em; font-weight: bold; }
nav ul { font-size: .9em; } nav ul ul { padding-left: 1em; } nav ul ul li { display: inline; margin-right: 1em; } nav code { word-break: break-all; } .notes { color: #444; font-size: .9em; }
details > summary { cursor: pointer; }
`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head><body>
${body}
</body></html>
`;
}

/** A counterexample as the explorer prints it: a summary line, then `N. thread  step` lines. */
export interface Trace {
  readonly summary: string;
  readonly steps: { thread: string; label: string }[];
}

export function parseTrace(detail: string): Trace | undefined {
  const lines = detail.split('\n');
  if (lines.length < 2) return undefined;
  const steps: { thread: string; label: string }[] = [];
  for (const line of lines.slice(1)) {
    const m = /^\s*\d+\.\s+(\S+)\s+(.*)$/.exec(line);
    if (m === null) return undefined;
    steps.push({ thread: m[1]!, label: m[2]! });
  }
  return { summary: lines[0]!, steps };
}
