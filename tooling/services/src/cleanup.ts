import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Everything this process started (process groups) and created (folders), so
 * that nothing is left behind when the process ends:
 * - a normal exit runs an 'exit' hook that kills the groups and removes the folders;
 * - a process killed by a signal (a jest worker killed on timeout, Ctrl-C on a
 *   bench script, a crash) cannot run hooks, so a small detached watchdog shell
 *   polls this process's pid every second and, once it is gone, does the same
 *   from a registry file it reads.
 */
interface Registry {
  groups: Set<number>;
  dirs: Set<string>;
  file: string;
  hooked: boolean;
  watchdogStarted: boolean;
}

// Kept on the process object, so that jest's per-test-file module registries
// in one worker share one exit hook and one watchdog.
const KEY = Symbol.for('@logq/services.cleanup-registry');
type ProcessWithRegistry = NodeJS.Process & { [KEY]?: Registry };

function registry(): Registry {
  const proc = process as ProcessWithRegistry;
  let reg = proc[KEY];
  if (reg === undefined) {
    reg = {
      groups: new Set(),
      dirs: new Set(),
      file: join(tmpdir(), `logq-services-${process.pid}-${randomBytes(4).toString('hex')}.cleanup`),
      hooked: false,
      watchdogStarted: false,
    };
    proc[KEY] = reg;
  }
  return reg;
}

function killGroupNow(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function onExit(): void {
  const reg = registry();
  for (const pgid of reg.groups) killGroupNow(pgid);
  reg.groups.clear();
  for (const dir of reg.dirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    } catch {
      // best effort
    }
  }
  reg.dirs.clear();
  try {
    rmSync(reg.file, { force: true });
  } catch {
    // best effort
  }
}

const WATCHDOG = `
parent="$1"; reg="$2"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
[ -f "$reg" ] || exit 0
while read -r kind value; do
  [ "$kind" = group ] && kill -s KILL -- "-$value" 2>/dev/null
done < "$reg"
sleep 0.2
while read -r kind value; do
  [ "$kind" = dir ] && rm -rf -- "$value"
done < "$reg"
rm -f -- "$reg"
`;

function writeRegistry(reg: Registry): void {
  const lines = [...[...reg.groups].map((g) => `group ${g}`), ...[...reg.dirs].map((d) => `dir ${d}`)];
  try {
    writeFileSync(reg.file, lines.length > 0 ? `${lines.join('\n')}\n` : '');
  } catch {
    // the exit hook still covers normal exits
  }
}

function ensureHooks(reg: Registry): void {
  if (!reg.hooked) {
    reg.hooked = true;
    process.on('exit', onExit);
  }
  if (!reg.watchdogStarted) {
    reg.watchdogStarted = true;
    writeRegistry(reg);
    try {
      const watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'logq-services-watchdog', String(process.pid), reg.file], {
        detached: true,
        stdio: 'ignore',
      });
      watchdog.on('error', () => undefined);
      watchdog.unref();
    } catch {
      // the exit hook still covers normal exits
    }
  }
}

/** Kill this process group when this process ends, unless released first. */
export function trackGroup(pgid: number): void {
  const reg = registry();
  reg.groups.add(pgid);
  ensureHooks(reg);
  writeRegistry(reg);
}

export function untrackGroup(pgid: number): void {
  const reg = registry();
  if (reg.groups.delete(pgid)) writeRegistry(reg);
}

/** Remove this folder when this process ends, unless released first. */
export function trackDir(dir: string): void {
  const reg = registry();
  reg.dirs.add(dir);
  ensureHooks(reg);
  writeRegistry(reg);
}

export function untrackDir(dir: string): void {
  const reg = registry();
  if (reg.dirs.delete(dir)) writeRegistry(reg);
}
