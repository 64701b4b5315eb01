import { createInterface } from 'node:readline';
import { LogRecord, type Handler } from '@logq/core';
import { createStderrErrorHook, redactUri, validateWireDict, decodeRecord } from '@logq/core/transport';
import { openHandler } from './transports.js';

/** What `logq send` does. */
export interface SendOptions {
  /** The transport URI to log to. */
  readonly uri: string;
  /** Options for the handler. */
  readonly transport: Readonly<Record<string, unknown>>;
  /** Channel of the records made from text. */
  readonly channel: string;
  /** Level of the records made from text. */
  readonly level: number;
  /** Keyword arguments of the records made from text. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** The message to send, or null to read lines from `input`. */
  readonly message: string | null;
  /** Where lines come from with `--stdin`. */
  readonly input: NodeJS.ReadableStream;
  /** Give up delivering after this many milliseconds. */
  readonly timeoutMs: number;
}

/** Counts of a send. */
export interface SendResult {
  /** JSON lines sent as the record dicts they are. */
  readonly records: number;
  /** Text lines (or the message) sent as messages. */
  readonly messages: number;
  /** Blank lines skipped. */
  readonly skipped: number;
  /** Records the transport confirmed. */
  readonly delivered: number;
  /** Records not delivered (dropped by the handler, or still pending at the timeout). */
  readonly undelivered: number;
}

/** Most records handed to the handler before waiting for it to deliver them. */
const WINDOW = 1000;

/** A line of input as a record: a Logbook record dict as is, anything else as a message. */
function lineRecord(line: string, options: SendOptions): { record: LogRecord; dict: boolean } {
  if (line.startsWith('{')) {
    try {
      validateWireDict(JSON.parse(line));
      return { record: decodeRecord(line), dict: true };
    } catch {
      // not a record: sent as text
    }
  }
  return { record: textRecord(line, options), dict: false };
}

function textRecord(message: string, options: SendOptions): LogRecord {
  // Without --kw the message is sent as typed (braces included); with --kw it is a template they fill.
  return new LogRecord({ channel: options.channel, level: options.level, msg: message, kwargs: { ...options.kwargs } });
}

/** Waits until the handler delivered what it holds, or the deadline passed; true when delivered. */
async function flushBy(handler: Handler, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))),
  );
  try {
    return await Promise.race([handler.flush().then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends the message (or every line of the input) and waits until delivered or timed out. */
export async function send(options: SendOptions): Promise<SendResult> {
  const handler = await openHandler(options.uri, {
    onError: createStderrErrorHook(`send ${redactUri(options.uri)}`),
    ...options.transport,
  });
  const stats = handler.stats;
  let records = 0;
  let messages = 0;
  let skipped = 0;
  const deadline = (): number => Date.now() + options.timeoutMs;
  let inTime = true;
  if (options.message !== null) {
    handler.handle(textRecord(options.message, options));
    messages++;
  } else {
    let sinceFlush = 0;
    for await (const raw of createInterface({ input: options.input, crlfDelay: Infinity })) {
      const line = raw.trimEnd();
      if (line.trim() === '') {
        skipped++;
        continue;
      }
      const { record, dict } = lineRecord(line, options);
      if (dict) records++;
      else messages++;
      handler.handle(record);
      if (++sinceFlush >= WINDOW) {
        sinceFlush = 0;
        if (!(inTime = await flushBy(handler, deadline()))) break;
      }
    }
  }
  if (inTime) inTime = await flushBy(handler, deadline());
  const delivered = stats.sent;
  const undelivered = records + messages - delivered;
  // Delivered or given up: close without waiting long for what the broker did not take.
  await Promise.race([
    handler.close().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 2000).unref()),
  ]);
  return { records, messages, skipped, delivered, undelivered };
}
