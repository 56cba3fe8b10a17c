// Exact counters of a p2m variant over a load (no timing): loads and pages per lookup, pages
// in guest memory, structural changes, toolstack mappings.
import type { Counter } from '../harness/kit.js';
import { OP_LOOKUP, OP_SET, type P2mLoad } from './load.js';
import { CapacityError, formatPfns, type LookupTrace, type P2m } from './variant.js';

/**
 * set(), with a set beyond the variant's capacity refused as the gate saw it refused (a
 * CapacityError, which the reference raises too). Anything else is a fault and propagates.
 */
export function setOrRefuse(p: P2m, pfn: number, e: number): boolean {
  try {
    return p.set(pfn, e);
  } catch (err) {
    if (err instanceof CapacityError) return false;
    throw err;
  }
}

/** whether set(pfn, e) is within what the variant can hold (beyond its read limit only INVALID is accepted) */
export function withinCapacity(p: P2m, pfn: number, e: number): boolean {
  return pfn < p.readLimit || e === p.enc.INVALID;
}

/** apply every set of the load (what the guest did), returning how many were refused beyond capacity */
export function applySets(p: P2m, load: P2mLoad): number {
  let refused = 0;
  for (let i = 0; i < load.ops.length; i++) {
    if (load.ops[i] !== OP_SET) continue;
    if (!withinCapacity(p, load.pfns[i]!, load.values[i]!)) refused++;
    else p.set(load.pfns[i]!, load.values[i]!);
  }
  return refused;
}

export function structureCounters(p: P2m, load: P2mLoad): Counter[] {
  const bootPages = p.p2mPages();
  const bootMaps = p.mapForToolstack().maps; // what a migration started right after boot would map
  const bootChanges = p.structuralChanges;
  const bootGen = p.generation();
  // replay the stream in order, tracing every lookup
  const tr: LookupTrace = { loads: 0, frames: [] };
  const touched = new Set<number>();
  let loads = 0;
  let lookups = 0;
  for (let i = 0; i < load.ops.length; i++) {
    const pfn = load.pfns[i]!;
    if (load.ops[i] === OP_SET) {
      setOrRefuse(p, pfn, load.values[i]!); // refused beyond capacity, as the gate checked against the reference
      continue;
    }
    if (load.ops[i] !== OP_LOOKUP) continue;
    p.trace(pfn, tr);
    loads += tr.loads;
    lookups++;
    for (const f of tr.frames) touched.add(f);
  }
  const view = p.mapForToolstack();
  return [
    { metric: 'capacity', unit: 'pfns', value: p.capacity, detail: formatPfns(p.capacity) },
    {
      metric: 'lookup_loads',
      unit: 'loads/lookup',
      value: loads / Math.max(1, lookups),
      detail:
        'dependent memory loads per pfn_to_mfn over the load (the MMU walk of the linear list not counted on its fast path)',
    },
    {
      metric: 'lookup_pages',
      unit: 'pages',
      value: touched.size,
      detail: `distinct p2m and page-table frames touched by the load's ${lookups} lookups`,
    },
    { metric: 'p2m_pages_boot', unit: 'pages', value: bootPages },
    {
      metric: 'tool_maps_boot',
      unit: 'maps',
      value: bootMaps,
      detail: 'foreign mappings map_p2m needs right after boot (max_pfn as the guest first publishes it)',
    },
    {
      metric: 'p2m_pages',
      unit: 'pages',
      value: p.p2mPages(),
      detail: 'p2m frames in guest memory after the load (never decreases)',
    },
    {
      metric: 'structural_changes',
      unit: 'changes',
      value: p.structuralChanges - bootChanges,
      detail: 'pages installed into the structure by the load',
    },
    {
      metric: 'generation_delta',
      unit: 'count',
      value: p.generation() - bootGen,
      detail: 'p2m_generation increments during the load (linear: 2 per structural change; trees have none)',
    },
    {
      metric: 'tool_maps',
      unit: 'maps',
      value: view.maps,
      detail: `foreign mappings for map_p2m (${view.leafMaps} leaves kept mapped), max_pfn ${p.publishedMaxPfn()}`,
    },
    { metric: 'tool_maps_per_gib', unit: 'maps/GiB', value: view.maps / (load.layout.span / 262144) },
  ];
}
