import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Kills a server this process started, and removes its directory, when this process exits without stopping it (a
 * benchmark or script that ends early, `process.exit`, an uncaught error): a Kafka broker or PostgreSQL server does
 * not end with its parent, and a forgotten broker keeps ~400 MB and a share of the CPU until the machine restarts,
 * slowing every run after it. Returns the function that cancels this once the server was stopped cleanly.
 */
export function reapOnExit(current: () => ChildProcess, dir: string): () => void {
  const reap = () => {
    const child = current();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', reap);
  return () => void process.off('exit', reap);
}
