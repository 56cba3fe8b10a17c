// A case's parameters parsed once into typed values: the model's config and the load's
// shape. Every bad value is refused here with the value that would be right.
import type { Params } from '../harness/kit.js';
import type { EvtchnConfig } from './abi.js';
import { type LoadShape, shapeOf } from './load.js';
import { MIGRATE_BY, type MigrateBy, NEW_HOSTS, type NewHost } from './migration.js';

export interface EvtchnCase {
  readonly config: EvtchnConfig;
  readonly shape: LoadShape;
  /** `migrate=guest|toolstack` and `host=same|larger|none`: who sets the extension up again
   *  after a migration half-way through the stream, and what the new host offers */
  readonly migration?: { readonly by: MigrateBy; readonly host: NewHost };
}

function migrationOf(params: Params): EvtchnCase['migration'] {
  const by = params['migrate'];
  const host = params['host'];
  if (by === undefined) {
    if (host !== undefined) throw new RangeError(`evtchn: host=${host} needs migrate=${MIGRATE_BY.join('|')}`);
    return undefined;
  }
  if (!(MIGRATE_BY as readonly unknown[]).includes(by)) {
    throw new RangeError(`evtchn: migrate must be one of ${MIGRATE_BY.join(', ')}, got ${by}`);
  }
  const h = host ?? 'same';
  if (!(NEW_HOSTS as readonly unknown[]).includes(h)) {
    throw new RangeError(`evtchn: host must be one of ${NEW_HOSTS.join(', ')}, got ${h}`);
  }
  return { by: by as MigrateBy, host: h as NewHost };
}

export function caseOf(params: Params): EvtchnCase {
  const shape = shapeOf(params);
  const abi = Number(params['abi'] ?? 64);
  if (abi !== 32 && abi !== 64) throw new RangeError(`evtchn: abi must be 32 or 64, got ${params['abi']}`);
  const depth = Number(params['depth'] ?? 2);
  if (!Number.isInteger(depth) || depth < 2) {
    throw new RangeError(`evtchn: depth must be an integer >= 2, got ${params['depth']}`);
  }
  const migration = migrationOf(params);
  const config: EvtchnConfig = { wordBits: abi, depth, vcpus: shape.vcpus, ports: shape.ports };
  return migration ? { config, shape, migration } : { config, shape };
}
