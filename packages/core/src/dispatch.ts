import type { Handler } from './handler.js';
import { handlerStack } from './handler.js';
import { processorStack } from './processor.js';
import type { LogRecord } from './record.js';

/**
 * Sends a record through the active handler stack, as Logbook's
 * `dispatch_record`: handlers are tried newest first (`extraHandlers`, e.g. a
 * logger's own, before the stacks); a handler whose level and filter pass
 * handles it; a handler that handled it with `bubble: false` stops it; a
 * blackhole stops it. Processors run once, before the first handler that takes
 * the record; `process` adds a caller's own processing (a logger's). Never throws.
 *
 * @returns whether any handler handled the record.
 */
export function dispatchRecord(
  record: LogRecord,
  extraHandlers: readonly Handler[] = [],
  process?: (record: LogRecord) => void,
): boolean {
  let processed = false;
  let handled = false;
  const stack = handlerStack.items();
  const total = extraHandlers.length + stack.length;
  for (let i = 0; i < total; i++) {
    const handler = i < extraHandlers.length ? extraHandlers[i]! : stack[i - extraHandlers.length]!;
    if (!handler.shouldHandle(record)) continue;
    if (handler.blackhole) break;
    if (handler.filter !== null && !safeFilter(handler, record)) continue;
    if (!processed) {
      processed = true;
      runProcessors(record, process);
    }
    handled = true;
    if (handler.handle(record) && !handler.bubble) break;
  }
  return handled;
}

function safeFilter(handler: Handler, record: LogRecord): boolean {
  try {
    return handler.filter!(record, handler);
  } catch (error) {
    handler.handleError(error, record);
    return false;
  }
}

/** Runs the caller's processing, then the processor stack (oldest push first, as Logbook). */
function runProcessors(record: LogRecord, process?: (record: LogRecord) => void): void {
  try {
    process?.(record);
    const processors = processorStack.items();
    for (let i = processors.length - 1; i >= 0; i--) processors[i]!.process(record);
  } catch (error) {
    // A failing processor must not lose the record: it goes on, with the error noted.
    record.extra.processorError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}
