/** Bundles `entryPoints` (paths from the project root) into `outdir` as `<name>.mjs` with linked source maps (scripts/build.mjs). */
export function bundle(entryPoints: string[], outdir: string): Promise<void>;
