// A case's parameters parsed once into typed values: the model's config and the load's
// shape. Every bad value is refused here with the value that would be right.
import type { Params } from '../harness/kit.js';
import type { EvtchnConfig } from './abi.js';
import { type LoadShape, shapeOf } from './load.js';

export interface EvtchnCase {
  readonly config: EvtchnConfig;
  readonly shape: LoadShape;
}

export function caseOf(params: Params): EvtchnCase {
  const shape = shapeOf(params);
  const abi = Number(params['abi'] ?? 64);
  if (abi !== 32 && abi !== 64) throw new RangeError(`evtchn: abi must be 32 or 64, got ${params['abi']}`);
  const depth = Number(params['depth'] ?? 2);
  if (!Number.isInteger(depth) || depth < 2) {
    throw new RangeError(`evtchn: depth must be an integer >= 2, got ${params['depth']}`);
  }
  return { config: { wordBits: abi, depth, vcpus: shape.vcpus, ports: shape.ports }, shape };
}
