// The migration-walk explorer's findings as text, from the rows of a p2m.csv: per case and
// variant, whether a structural change can slip past the toolstack, how many interleavings
// were explored, detected and missed, and the shortest counterexample of each slipping
// variant. The end-of-run table shows only lookup cost; this is the concurrency answer.
type Row = Readonly<Record<string, string>>;

export function p2mFindings(rows: readonly Row[]): string {
  const get = (c: string, v: string, m: string) =>
    rows.find((r) => r['case'] === c && r['variant'] === v && r['metric'] === m);
  const pairs = [
    ...new Set(rows.filter((r) => r['metric'] === 'walk_slips_past').map((r) => `${r['case']}\u0000${r['variant']}`)),
  ];
  if (pairs.length === 0) return '';
  const lines = ['p2m migration walk vs guest (explorer): can a structural change slip past the toolstack?'];
  const width = Math.max(...pairs.map((p) => p.split('\u0000')[1]!.length));
  const traces: string[] = [];
  for (const pair of pairs) {
    const [c, v] = pair.split('\u0000') as [string, string];
    const slips = get(c, v, 'walk_slips_past')?.['median'] === '1';
    const n = get(c, v, 'walk_interleavings');
    const det = get(c, v, 'walk_detected')?.['median'] ?? '?';
    const missed = get(c, v, 'walk_missed');
    const m2p = get(c, v, 'walk_m2p_aborts')?.['median'] ?? '?';
    const ckN = get(c, v, 'walk_checkpointed_interleavings')?.['median'] ?? '?';
    const ckMissed = get(c, v, 'walk_checkpointed_missed')?.['median'] ?? '?';
    lines.push(
      `  ${v.padEnd(width)} ${c}  ${slips ? 'SLIPS PAST' : 'never slips'}  interleavings ${n?.['median'] ?? '?'} (${n?.['detail'] ?? ''}), aborted by the generation check ${det}, by the m2p check ${m2p}, completed stale ${missed?.['median'] ?? '?'}; checkpointed stream: stale in ${ckMissed} of ${ckN}`,
    );
    if (slips && missed?.['detail']) traces.push(`${v} ${c}, shortest counterexample:\n${missed['detail']}`);
  }
  return [...lines, '', ...traces].join('\n');
}
