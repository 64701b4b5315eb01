import { once } from 'node:events';

/** Whether to colour output on `stream`: only on a terminal, never when `NO_COLOR` is set (to anything non-empty). */
export function useColour(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true;
}

/** Writes a line to stdout, waiting when the pipe is full (a slow reader slows `logq`, it does not fill memory). */
export async function writeLine(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
}

/** Writes a message for the user on stderr (`logq: ...`). */
export function say(message: string): void {
  try {
    process.stderr.write(`logq: ${message}\n`);
  } catch {
    // stderr is gone
  }
}

/** Stdout closed by the reader (`logq tail ... | head`): end quietly. */
export function exitOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
  });
}
