import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/** The built bin file, as npm links it (`npx logq` runs this file). */
export const BIN = join(__dirname, '..', 'dist', 'esm', 'bin.js');
/** The package folder: transports the tests use are installed there (devDependencies). */
export const PACKAGE_DIR = join(__dirname, '..');

/** A running `logq` process with its output collected. */
export interface Logq {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far. */
  stderr(): string;
  /** Resolves once `check(stdout)` holds (rejects if the process exits first). */
  waitForStdout(check: (stdout: string) => boolean): Promise<void>;
  /** Resolves once `check(stderr)` holds (rejects if the process exits first). */
  waitForStderr(check: (stderr: string) => boolean): Promise<void>;
  /** Resolves with the exit code (128 + n when killed by signal n). */
  readonly exited: Promise<number>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `node dist/esm/bin.js ...args`. */
export function startLogq(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Logq {
  const env = { ...process.env, ...options.env };
  delete env.FORCE_COLOR;
  delete env.NODE_PATH; // pnpm's jest shim sets one reaching every workspace package: logq must find transports by itself
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? PACKAGE_DIR, env, stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', (text: string) => ((out += text), wake()));
  child.stderr.setEncoding('utf8').on('data', (text: string) => ((err += text), wake()));
  const exited = once(child, 'close').then(
    ([code, signal]) => (code ?? 128 + (SIGNALS[signal as string] ?? 0)) as number,
  );
  let done = false;
  void exited.then(() => ((done = true), wake()));
  if (options.input !== undefined) child.stdin.end(options.input);
  const waitFor =
    (read: () => string) =>
    async (check: (text: string) => boolean): Promise<void> => {
      while (!check(read())) {
        if (done) throw new Error(`logq exited before the expected output\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    };
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: waitFor(() => out),
    waitForStderr: waitFor(() => err),
    exited,
  };
}

/** Runs `logq ...args` to its end. */
export async function runLogq(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const logq = startLogq(args, options);
  const code = await logq.exited;
  return { code, stdout: logq.stdout(), stderr: logq.stderr() };
}

/** Lines of text, without the empty last one. */
export const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '');

/** A stack trace line (`    at fn (file:1:2)`): logq never prints one. */
export const STACK_LINE = /^\s+at .+[:(]/m;
