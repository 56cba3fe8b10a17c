// `npm test`'s build: strips the types of every .ts file into dist/ with esbuild, in the same
// layout as `tsc` (rootDir ., outDir dist), in about a second instead of ten. It checks no
// types: `npm run lint` does (tsc --noEmit), and .ci/run runs it before the tests.
import { readdirSync } from 'node:fs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

const roots = ['bench', 'src', 'test', 'scripts'];
const entryPoints = roots.flatMap((r) =>
  readdirSync(r, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(r, f)),
);
rmSync('dist', { recursive: true, force: true });
buildSync({
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
