// The liveupdate findings as text, from the rows of a liveupdate.csv: per case, each
// variant's blackout and total work and whether it reproduced the old Xen's state (with the
// first differing page when it did not), then the explorer's race with its shortest
// counterexample. The end-of-run table shows one timing; this answers the thread's question.
import { blackoutSeconds, breakEvenNsPerUnit, fullTreeWork } from './closedform.js';

type Row = Readonly<Record<string, string>>;

export function liveupdateFindings(rows: readonly Row[]): string {
  const mine = rows.filter((r) => r['suite'] === undefined || r['suite'] === 'liveupdate');
  const cases = [...new Set(mine.map((r) => r['case'] ?? ''))];
  const variants = [...new Set(mine.map((r) => r['variant'] ?? ''))];
  const get = (c: string, v: string, m: string) =>
    mine.find((r) => r['case'] === c && r['variant'] === v && r['metric'] === m);
  const lines = [
    'liveupdate: work before the guest runs (blackout) and in total, and whether the old state comes back',
  ];
  const traces: string[] = [];
  // the cost per unit for the extrapolation: from the last (largest) case of the grid
  let full: { c: string; v: string; unit: number } | null = null;
  for (const c of cases) {
    lines.push(`  ${c}`);
    for (const v of variants) {
      const failed = mine.find((r) => r['case'] === c && r['variant'] === v && r['status'] === 'gate-failed');
      if (failed) {
        lines.push(`    ${v.padEnd(14)} GATE FAILED: ${failed['detail'] ?? ''}`);
        continue;
      }
      const val = (m: string) => get(c, v, m)?.['median'] ?? '?';
      if (get(c, v, 'blackout_work') === undefined) continue;
      const faults = get(c, v, 'faults')
        ? `, ${val('faults')} faults, ${val('unvalidated_at_shadow_off')} unvalidated at shadow off`
        : '';
      lines.push(
        `    ${v.padEnd(14)} blackout ${val('blackout_pages_validated')} pages / ${val('blackout_entries_checked')} entries / ${val('frames_carried') === '0' ? '0' : val('frames_carried')} page_info; total ${val('total_pages_validated')} pages / ${val('total_entries_checked')} entries${faults}; events pending at resume ${val('events_pending_at_resume')}, longest wait ${val('events_longest_wait')} units`,
      );
      const unit = Number(get(c, v, 'per_unit')?.['median'] ?? Number.NaN);
      if (Number.isFinite(unit)) {
        const num = (m: string) => Number(val(m));
        const work = num('total_pages_validated') + num('total_entries_checked') + num('frames_carried');
        const per = (count: number) => (count > 0 ? ((unit * work) / count).toFixed(1) : '-');
        lines.push(
          `    ${''.padEnd(14)} measured ${unit.toPrecision(3)} ns/unit: ${per(num('total_entries_checked'))} ns per entry checked, ${per(num('total_pages_validated'))} ns per page validated${num('frames_carried') > 0 ? `, ${per(num('frames_carried'))} ns per page_info carried` : ''}; blackout ${((num('blackout_work') * unit) / 1e6).toFixed(3)} ms`,
        );
        // the extrapolation takes the cost of a variant that validates everything before resume
        if (num('total_entries_checked') > 0 && num('blackout_entries_checked') === num('total_entries_checked'))
          full = { c, v, unit };
      }
      const race = get(c, v, 'race_violations');
      if (race) {
        const naive = get(c, v, 'race_live_table_violations');
        lines.push(
          `    ${''.padEnd(14)} race mmu_update vs background pass: ${race['median']} violating of ${val('race_interleavings')} (own policy); ${naive?.['median'] ?? '?'} violating with the new frame table alone, shortest ${val('race_live_table_shortest')} steps`,
        );
        if (naive?.['detail'] && !traces.some((t) => t === naive['detail'])) traces.push(naive['detail']);
      }
    }
  }
  if (full !== null) {
    const w = fullTreeWork();
    const units = w.pages + w.entries;
    lines.push(
      '',
      `a fully populated L4 tree (${w.pages} tables, ${w.entries} entries): ${units} units x ${full.unit.toPrecision(3)} ns (${full.v}, ${full.c}) = ${blackoutSeconds(w, full.unit).toFixed(0)} s before the guest may run; a minute at ${breakEvenNsPerUnit(w, 60).toFixed(2)} ns/unit`,
    );
  }
  if (traces.length > 0)
    lines.push('', 'shortest counterexample (hybrid mode trusting the new frame table):', ...traces);
  return lines.join('\n');
}
