/**
 * Runs an ES module snippet in a child node that must end by itself, with
 * `@logq/core` loaded from its TypeScript sources (through tsx, which the
 * workspace's `@logq/services` package carries; core cannot depend on that
 * package, which depends on core).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const coreDir = join(__dirname, '..');
const tsx = pathToFileURL(createRequire(join(coreDir, '../../tooling/services/package.json')).resolve('tsx')).href;

/** Node arguments that load workspace packages from their TypeScript sources. */
export const sourceArgs: readonly string[] = ['--conditions=@logq/source', '--import', tsx];

/** How the child ended. */
export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit. */
  readonly ms: number;
}

/** Runs `code` (an ES module) in core's folder; rejects if the child is alive after `timeoutMs`. */
export function runChild(
  code: string,
  timeoutMs: number,
  args: readonly string[] = sourceArgs,
  /** Sends `name` to the child once its stdout contains `whenStdoutIncludes`. */
  signal?: { readonly name: NodeJS.Signals; readonly whenStdoutIncludes: string },
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [...args, '--input-type=module', '-e', code], {
      cwd: coreDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (signal && !signalled && stdout.includes(signal.whenStdoutIncludes)) {
        signalled = true;
        child.kill(signal.name);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (exitCode, exitSignal) => {
      clearTimeout(timer);
      resolve({ code: exitCode, signal: exitSignal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** The last JSON line a child printed. */
export function lastJsonLine(stdout: string): Record<string, unknown> {
  const lines = stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'));
  return JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>;
}
