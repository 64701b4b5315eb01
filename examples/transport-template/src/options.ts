import type { QueueHandlerOptions, SubscriberOptions } from '@logq/core/transport';

/** Options of {@link FileHandler}. Every option is optional: `createHandler('file://…')` passes `{}` when given none. */
export interface FileHandlerOptions extends QueueHandlerOptions {
  /**
   * Calls `fsync` after each batch, so that `flush()` resolves only once the records are on disk
   * (not just in the operating system's cache). Slower; a crash of the machine, not just of the
   * process, then loses nothing flushed. @default false
   */
  readonly fsync?: boolean;
}

/** Options of {@link FileSubscriber}. */
export interface FileSubscriberOptions extends SubscriberOptions {
  /**
   * Byte offset to start reading at: 0 reads the whole file; a `subscriber.position` saved earlier
   * resumes after the last record delivered then. @default 0
   */
  readonly position?: number;
  /** How often to look for new lines while a receive waits, in ms. @default 50 */
  readonly pollIntervalMs?: number;
}
