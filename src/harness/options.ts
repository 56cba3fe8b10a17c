// Command-line options declared once, as a table: the parser, `--help` and the option tables
// of the README and docs/ci.md are all made from it (a test checks the documents against it),
// so that no option is described in one place and behaves differently in another.
import { parseArgs } from 'node:util';
import { InputError } from './exit.js';

export interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** how the value is written in the docs, e.g. `N` or `S[,S]` (string options) */
  readonly arg?: string;
  /** may be given more than once (the values are collected) */
  readonly multiple?: boolean;
  readonly help: string;
  /** the default as a reader wants to see it, or '' */
  readonly default?: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** Parses argv against the table; an unknown or malformed option is an InputError. */
export function parseOptions(
  table: readonly OptionSpec[],
  argv: readonly string[],
  positionals = false,
): { values: OptionValues; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const o of table) {
    options[o.name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  try {
    const r = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals });
    return { values: r.values as OptionValues, positionals: r.positionals };
  } catch (e) {
    const valid = table.map((o) => `--${o.name}`).join(' ');
    throw new InputError(`${(e as Error).message.split('\n')[0]}; valid options: ${valid}`);
  }
}

function flag(o: OptionSpec): string {
  return `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.arg ? ` ${o.arg}` : ''}`;
}

/** The option list of `--help`: flag, meaning and default, wrapped to 100 columns. */
export function helpLines(table: readonly OptionSpec[]): string {
  const width = 22;
  const out: string[] = [];
  for (const o of table) {
    const text = o.help + (o.default ? ` (default: ${o.default})` : '');
    const head = `  ${flag(o)}`;
    const words = text.split(' ');
    let line = head.length < width ? head.padEnd(width) : `${head}\n${' '.repeat(width)}`;
    let col = line.length - line.lastIndexOf('\n') - 1;
    for (const w of words) {
      if (col + w.length + 1 > 100 && col > width) {
        line += `\n${' '.repeat(width)}`;
        col = width;
      }
      line += (col > width ? ' ' : '') + w;
      col += (col > width ? 1 : 0) + w.length;
    }
    out.push(line);
  }
  return out.join('\n');
}

/** The Markdown table of the options, as the README (and docs/ci.md) carry it. */
export function markdownTable(table: readonly OptionSpec[]): string {
  const rows = table.map((o) => {
    const f = o.short ? `\`-${o.short}\`, \`--${o.name}\`` : `\`--${o.name}${o.arg ? ` ${o.arg}` : ''}\``;
    const cell = (x: string) => x.replace(/\|/g, '\\|');
    return `| ${cell(f)} | ${cell(o.help)} |${o.default ? ` ${cell(o.default)} ` : ' '}|`;
  });
  return ['| option | meaning | default |', '|---|---|---|', ...rows].join('\n');
}

/** An integer option in [min, max], or its default when absent. */
export function intOption(name: string, raw: string | undefined, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new InputError(`--${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return n;
}

/** A finite number option in [lo, hi], or its default when absent. */
export function numberOption(name: string, raw: string | undefined, lo: number, hi: number, dflt: number): number {
  if (raw === undefined) return dflt;
  const x = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(x) || x < lo || x > hi) {
    throw new InputError(`--${name} ${raw}: expected a number in [${lo}, ${hi}]`);
  }
  return x;
}

/** One of a fixed set of words, or the default when absent. */
export function choiceOption<T extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly T[],
  dflt: T,
): T {
  if (raw === undefined) return dflt;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new InputError(`--${name} ${raw}: choose ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`);
  }
  return raw as T;
}
