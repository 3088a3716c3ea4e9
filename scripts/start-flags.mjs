import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The node flags `npm start` runs the hub with, read from package.json's `start` script (the one place they are
 * written): the processes test and the benchmarks start the hub as npm start does.
 */
export function startFlags(script = 'start') {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const command = /(?:^|&& )node ((?:--[\w-]+(?:=\S+)? )*)dist\//.exec(scripts[script] ?? '');
  if (!command) throw new Error(`package.json has no "${script}" script that runs a bundle with node.`);
  return command[1].split(' ').filter(Boolean);
}

// `node scripts/start-flags.mjs [script]` prints them, for shell scripts (scripts/bench.sh).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) console.log(startFlags(process.argv[2]).join(' '));
