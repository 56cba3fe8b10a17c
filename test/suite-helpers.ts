// Helpers for tests that drive a suite as the worker does: load a variant's module by its
// name in the suite's table, prepare it on a seeded load, and insist on a runnable result.
import assert from 'node:assert/strict';
import { isUnsupported, type Params, type Preparation, type Prepared, type SuiteDef } from '../src/harness/kit.js';

export async function moduleOf<L, M>(suite: SuiteDef<L, M>, variant: string): Promise<M> {
  const load = suite.variants[variant];
  assert.ok(load, `suite ${suite.name} has no variant ${variant}`);
  return load();
}

export async function prepare<L, M>(
  suite: SuiteDef<L, M>,
  variant: string,
  params: Params,
  seed = 1,
): Promise<Preparation> {
  return suite.prepare(await moduleOf(suite, variant), params, suite.load.generate(params, seed));
}

/** the preparation, which must not be a capacity row */
export function runnable(p: Preparation): Prepared {
  assert.ok(!isUnsupported(p), `unexpectedly unsupported: ${isUnsupported(p) ? p.unsupported : ''}`);
  return p as Prepared;
}

export function unsupportedOf(p: Preparation): string | undefined {
  return isUnsupported(p) ? p.unsupported : undefined;
}

export async function applies<L, M>(suite: SuiteDef<L, M>, variant: string, params: Params): Promise<boolean> {
  return suite.applies?.(await moduleOf(suite, variant), params) ?? true;
}
