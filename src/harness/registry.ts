// From a registry (suite name → URL of the module that default-exports its SuiteDef) to the
// loaded suites, in the registry's order or the order asked for.
import type { LoadedSuite } from './plan.js';
import type { SuiteDef } from './suite.js';

export async function loadRegistry(
  registry: Readonly<Record<string, string>>,
  names: readonly string[] = Object.keys(registry),
): Promise<LoadedSuite[]> {
  return Promise.all(
    names.map(async (name) => {
      const url = registry[name];
      if (url === undefined) throw new Error(`no suite '${name}' in the registry`);
      const def = ((await import(url)) as { default: SuiteDef }).default;
      const entries = await Promise.all(
        Object.entries(def.variants).map(async ([v, load]) => [v, await load()] as const),
      );
      return { name, url, def, modules: Object.fromEntries(entries) };
    }),
  );
}
