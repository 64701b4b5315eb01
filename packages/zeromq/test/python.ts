// Python children for the interop tests: their stdout as lines, killed after each test.
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { spawnPython } from '@logq/services';

/** Lines printed by a Python child, as an async queue with a timeout. */
export class Lines {
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  stderr = '';
  exited = false;

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      this.waiter?.();
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', () => {
      this.exited = true;
      this.waiter?.();
    });
  }

  async next(timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.exited) throw new Error(`python exited early:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no line from python within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 100);
      });
      this.waiter = null;
    }
    return this.lines.shift()!;
  }
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs a Python program in the Logbook virtualenv (killed after the test if still running). */
export function python(code: string, args: string[]): Lines {
  const child = spawnPython(code, { args, timeoutMs: 110_000 });
  children.push(child);
  return new Lines(child);
}
