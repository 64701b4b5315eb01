import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { join } from 'node:path';
import { cacheDir, isExecutable, ServiceNotInstalledError } from './binaries.js';
import { trackGroup, untrackGroup } from './cleanup.js';

export interface PythonOptions {
  /** Extra arguments, available to the code as sys.argv[1:]. */
  args?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Kill the interpreter (its whole process group) after this long. runPython defaults to 60 s; spawnPython has no default. */
  timeoutMs?: number;
  /** Written to stdin, which is then closed. */
  input?: string;
}

export interface PythonResult {
  stdout: string;
  stderr: string;
  /** Exit code; 128 + signal number when killed by a signal. */
  code: number;
}

/** Python of the virtualenv that install.sh prepares (logbook, pyzmq, kombu, redis, pymongo). */
export function pythonPath(): string {
  const python = join(cacheDir(), 'venv', 'bin', 'python');
  if (!isExecutable(python)) {
    throw new ServiceNotInstalledError(`The Python virtualenv with Logbook (${python})`);
  }
  return python;
}

function startPython(code: string, opts: PythonOptions): ChildProcess {
  const child = spawn(pythonPath(), ['-c', code, ...(opts.args ?? [])], {
    env: {
      ...process.env,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      PYTHONIOENCODING: 'utf-8',
      ...opts.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Own process group: killing it reaches anything it started, and the
    // cleanup hooks kill it if this process dies first.
    detached: true,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    trackGroup(pid);
    child.once('exit', () => untrackGroup(pid));
  }
  child.stdin?.on('error', () => undefined); // the peer may exit before reading its input
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  return child;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Starts a long-running Python peer (e.g. a Logbook subscriber printing JSON
 * lines) from the virtualenv. stdin/stdout/stderr are pipes; stdout is
 * unbuffered. The caller kills it (child.kill()); it is killed anyway when
 * this process ends, and after opts.timeoutMs when given.
 */
export function spawnPython(code: string, opts: PythonOptions = {}): ChildProcess {
  const child = startPython(code, opts);
  if (opts.timeoutMs !== undefined) {
    const timer = setTimeout(() => killGroup(child), opts.timeoutMs);
    timer.unref();
    child.once('exit', () => clearTimeout(timer));
  }
  return child;
}

/** Runs `python -c code` from the virtualenv and resolves with its output and exit code; rejects on timeout (default 60 s) after killing it. */
export function runPython(code: string, opts: PythonOptions = {}): Promise<PythonResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise<PythonResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = startPython(code, opts);
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    if (opts.input === undefined) child.stdin?.end();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(
          new Error(
            `python timed out after ${timeoutMs} ms and was killed\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
          ),
        );
        return;
      }
      const code = exitCode ?? (signal !== null ? 128 + (constants.signals[signal] ?? 0) : -1);
      resolve({ stdout, stderr, code });
    });
  });
}
