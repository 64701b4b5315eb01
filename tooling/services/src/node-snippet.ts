import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Options of {@link runNodeSnippet}. */
export interface NodeSnippetOptions {
  /** The package folder the snippet runs in (its imports resolve from there; it must depend on `@logq/services`). */
  readonly cwd: string;
  /** The child must have exited by then, else it is killed and the promise rejects. */
  readonly timeoutMs: number;
  /** Sends `signal` to the child once its stdout contains `whenStdoutIncludes` (e.g. a SIGTERM test). */
  readonly signal?: { readonly name: NodeJS.Signals; readonly whenStdoutIncludes: string };
  /** Extra environment variables for the child. */
  readonly env?: Readonly<Record<string, string>>;
}

/** How a snippet's child process ended. */
export interface NodeSnippetResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in ms. */
  readonly ms: number;
  /** The signal that ended the child, if one did. */
  readonly signal: NodeJS.Signals | null;
}

/** tsx's loader, found through this package (a dependency of it) as seen from `cwd`. */
function tsxLoader(cwd: string): string {
  const services = dirname(createRequire(join(cwd, 'package.json')).resolve('@logq/services/package.json'));
  return pathToFileURL(createRequire(join(services, 'package.json')).resolve('tsx')).href;
}

/**
 * Runs an ES module snippet in a child node (workspace packages from their
 * TypeScript sources, through tsx) and resolves once it exits by itself. It
 * rejects if the child is still alive after `timeoutMs`: the way to test that
 * closed handlers and subscribers leave nothing that keeps a process alive.
 */
export function runNodeSnippet(code: string, options: NodeSnippetOptions): Promise<NodeSnippetResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(
      process.execPath,
      ['--conditions=@logq/source', '--import', tsxLoader(options.cwd), '--input-type=module', '-e', code],
      {
        cwd: options.cwd,
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (options.signal && !signalled && stdout.includes(options.signal.whenStdoutIncludes)) {
        signalled = true;
        child.kill(options.signal.name);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`child did not exit within ${options.timeoutMs} ms (a handle keeps it alive)\n${stdout}\n${stderr}`),
      );
    }, options.timeoutMs);
    child.on('exit', (exitCode, exitSignal) => {
      clearTimeout(timer);
      resolve({ code: exitCode, stdout, stderr, ms: Date.now() - started, signal: exitSignal });
    });
  });
}
