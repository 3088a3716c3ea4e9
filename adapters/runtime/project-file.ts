import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding Careloop's package.json: the nearest one above this module, from sources or from the bundle. */
function projectRoot(): string {
  // From sources this module is adapters/runtime/project-file.ts; in the bundle `npm start` builds (dist/*.mjs) it
  // is inlined there. Both lie under the root; a package.json of another name on the way up is not ours.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'careloop') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('The Careloop project root (package.json) was not found above the running code.');
    dir = parent;
  }
}

const ROOT = projectRoot();

/**
 * A file the hub reads at run time (the compiled policy, the GraphQL schema, SQL migrations), by its path from the
 * project root, wherever the running code was loaded from.
 */
export function projectFile(...path: string[]): string {
  return join(ROOT, ...path);
}
