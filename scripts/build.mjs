// `npm run build` (and the first step of `npm start` and `npm run start:connector`): bundles the hub's and the
// connectors' entry points into dist/ with esbuild, our code in one file each and every package left in
// node_modules, so that the processes run on plain Node instead of compiling TypeScript in memory as they load (that
// compiler and its cache held ~100 MB of a hub at rest: README "Benchmarks", rest-memory). It takes under a second,
// so it runs on every start and the bundle never goes stale.
import { rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const result = await build({
  absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
  entryPoints: ['scripts/start-hub.ts', 'scripts/start-connector.ts'],
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  // Stack traces in the logs point at the sources (node --enable-source-maps).
  sourcemap: 'linked',
  logLevel: 'warning',
  write: false,
});
// Several processes may start from one checkout at once (a hub and its connectors): each file is replaced whole, so
// none of them ever loads a half-written bundle.
for (const file of result.outputFiles) {
  await mkdir(dirname(file.path), { recursive: true });
  const partial = `${file.path}.${process.pid}.tmp`;
  await writeFile(partial, file.contents);
  await rename(partial, file.path);
}
