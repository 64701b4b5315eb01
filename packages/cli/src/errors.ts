import { LogqError } from '@logq/core';

/** Bad command-line arguments: `logq` prints the message and the usage, and exits with code 2. */
export class UsageError extends LogqError {
  /** The command whose usage to print (`null`: the general usage). */
  readonly command: string | null;

  constructor(message: string, command: string | null = null) {
    super(message);
    this.command = command;
  }
}
