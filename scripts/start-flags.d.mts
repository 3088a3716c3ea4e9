/** The node flags `npm start` (or another package.json script running a bundle) runs with (scripts/start-flags.mjs). */
export function startFlags(script?: string): string[];
