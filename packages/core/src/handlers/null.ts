import { Handler, type HandlerOptions } from '../handler.js';
import type { LogRecord } from '../record.js';

/**
 * Logbook's `NullHandler`: a blackhole. Every record that reaches it (level
 * and filter permitting) stops there and goes to no handler below it.
 */
export class NullHandler extends Handler {
  override readonly blackhole = true;

  constructor(options: Omit<HandlerOptions, 'bubble' | 'formatter'> = {}) {
    super(options);
  }

  /** Does nothing. */
  emit(record: LogRecord): void {
    void record;
  }
}
