// Colours and shapes for variants. The colours are Okabe and Ito's palette ("Color Universal
// Design", 2008), chosen to stay apart for the common colour-vision deficiencies; they are
// ordered so that neighbours also differ in lightness, and every variant has its own shape
// (and, in line charts, its own dash), so that a greyscale print still tells them apart.
export const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#000000', '#56B4E9', '#D55E00', '#F0E442'];
export const SHAPES = [
  'circle',
  'square',
  'triangle-up',
  'diamond',
  'cross',
  'triangle-down',
  'triangle-right',
  'wedge',
];
export const DASHES: number[][] = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 2, 2, 2],
  [4, 4],
  [1, 3],
  [10, 4],
  [3, 1],
];

/** The colour, shape and dash of each variant, in the order given (the baseline first). */
export function styleOf(variants: readonly string[]): { colours: string[]; shapes: string[]; dashes: number[][] } {
  const pick = <T>(xs: readonly T[]) => variants.map((_, i) => xs[i % xs.length]!);
  return { colours: pick(COLOURS), shapes: pick(SHAPES), dashes: pick(DASHES) };
}
