import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the project's package.json: the first one above this module, from sources or from the bundle. */
function projectRoot(): string {
  // From sources this module is adapters/runtime/project-file.ts; in the bundle `npm start` builds (dist/*.mjs) it
  // is inlined there. Both lie under the root, so the first package.json up the tree is ours.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
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
