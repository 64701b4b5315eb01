/** Runs a TypeScript file of the tests in a child Node process (with this package's sources). */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/** Spawns `node <file>` (a file in test/support) with the TS loader; stdout/stderr piped. */
export function spawnTs(file: string, args: readonly string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    ['--conditions=@logq/source', '--import', join(__dirname, 'register.mjs'), join(__dirname, file), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}
