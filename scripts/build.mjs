// `npm run build` (and the first step of `npm start` and `npm run start:connector`): bundles the hub's and the
// connectors' entry points into dist/ with esbuild, our code in one file each and every package left in
// node_modules, so that the processes run on plain Node instead of compiling TypeScript in memory as they load (that
// compiler and its cache held ~90 MB of a hub at rest: README "Benchmarks", rest-memory). It takes under a second,
// so it runs on every start and the bundle never goes stale.
import { randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Bundles `entryPoints` (paths from the project root) into `outdir` as `<name>.mjs` with linked source maps. Several
 * processes may start from one checkout at once (a hub and its connectors): each file is replaced whole, so none of
 * them ever loads a half-written bundle.
 */
export async function bundle(entryPoints, outdir) {
  const result = await build({
    absWorkingDir: fileURLToPath(new URL('..', import.meta.url)),
    entryPoints,
    outdir,
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
  for (const file of result.outputFiles) {
    await mkdir(dirname(file.path), { recursive: true });
    const partial = `${file.path}.${randomUUID()}.tmp`;
    await writeFile(partial, file.contents);
    await rename(partial, file.path);
  }
}

// Run as a script (not imported by a benchmark); compared as real paths, since a checkout may sit behind a symlink.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await bundle(['scripts/start-hub.ts', 'scripts/start-connector.ts'], 'dist');
}
