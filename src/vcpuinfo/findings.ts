// The interleaving explorer over the registration protocol with events in flight: the same
// step programs as the gate (programs.ts), on two vCPUs and one event channel bound to
// vCPU 1 that the backend sends on twice. Two shapes, because the danger differs:
//   'slot'   vCPU 1 has a shared_info slot (a vCPU below 32),
//   'beyond' vCPU 1 has none (XEN_LEGACY_MAX_VCPUS scaled down to 1: a vCPU from 32 up).
// A violation ('harm') is an upcall through a NULL vcpu_info, an event delivered twice, or,
// once every program has returned, an event never delivered; the 'stale' check adds any
// upcall through an area Xen no longer writes (harmless when nothing is lost, but the window
// the thread worried about).
import { explore, formatTrace, type ExploreResult, type Model } from '../harness/kit.js';
import { verdict } from './gate.js';
import type { HostRules } from './machine.js';
import { Resume } from './programs.js';
import type { RestoreStrategy } from './strategy.js';

export type Shape = 'slot' | 'beyond';
export const SHAPES: readonly Shape[] = ['slot', 'beyond'];

export interface ExploreCase {
  readonly strategy: RestoreStrategy;
  readonly shape: Shape;
  readonly host: HostRules;
  readonly cancelled: boolean;
  /** vCPU 1's registration fails */
  readonly fail: boolean;
  readonly injection: 'level' | 'edge';
  readonly budget: number;
  readonly seed: number;
  /** 'harm': lost, duplicated, or taken through a NULL vcpu_info; 'stale': also any upcall through an area Xen no longer writes */
  readonly check: 'harm' | 'stale';
}

/** the shapes a strategy can represent (shared-info has no vCPU beyond its slots) */
export function shapesFor(s: RestoreStrategy): readonly Shape[] {
  return s.placement === 'shared-info' ? ['slot'] : SHAPES;
}

export function modelOf(c: ExploreCase): Model<Resume> {
  const bindOf = Int32Array.from([0, 1]);
  const sends = [
    { round: 0, port: 1 },
    { round: 0, port: 1 },
  ];
  const cfg = {
    vcpus: 2,
    legacyMax: c.shape === 'slot' ? 2 : 1,
    bindOf,
    host: c.host,
    placement: c.strategy.placement,
    forceTime: true,
    failVcpu: c.fail ? 1 : -1,
    cancelled: c.cancelled,
    injection: c.injection,
    wordBits: 32 as const,
  };
  const probe = new Resume(c.strategy, cfg, sends);
  return {
    init: () => new Resume(c.strategy, cfg, sends),
    programs: Array.from({ length: probe.actors }, (_, i) => ({
      name: probe.name(i),
      program: (r: Resume) => r.program(i),
    })),
    check(r) {
      const m = r.m;
      if (m.nullUpcalls > 0) return { violation: 'an upcall through a NULL vcpu_info', size: 1 };
      if (c.check === 'stale' && m.staleUpcalls > 0)
        return { violation: 'an upcall through a vcpu_info Xen no longer writes', size: 1 };
      const f = verdict(r);
      if (f === null) return null;
      return { violation: f.kind === 'lost' ? `event lost: ${f.actual}` : f.actual, size: 1 };
    },
  };
}

export function exploreCase(c: ExploreCase): ExploreResult {
  return explore(modelOf(c), {
    maxSteps: 200,
    maxInterleavings: c.budget,
    randomRuns: Math.max(50, Math.floor(c.budget / 10)),
    seed: c.seed,
    preemptionBound: 2,
  });
}

export { formatTrace };
