import type { LogRecord, SubscriberBase } from '@logq/core';
import { encodeRecord, redactUri, createStderrErrorHook } from '@logq/core/transport';
import { formatRecordLine, formatSummaryTable, RecordCounter } from './format.js';
import { Backoff } from './retry.js';
import { openSubscriber } from './transports.js';
import { say, writeLine } from './terminal.js';

/** What `logq tail` does. */
export interface TailOptions {
  /** The transport URI to subscribe to. */
  readonly uri: string;
  /** Options for the subscriber. */
  readonly transport: Readonly<Record<string, unknown>>;
  /** Which records to print. */
  readonly filter: (record: LogRecord) => boolean;
  /** Print Logbook's wire dict as JSON instead of the readable line. */
  readonly json: boolean;
  /** Colour the readable line. */
  readonly colour: boolean;
  /** Ends the tail (Ctrl-C). */
  readonly signal: AbortSignal;
}

/** Result of a tail: counts of the records printed. */
export interface TailResult {
  /** Records printed, per channel and level. */
  readonly shown: RecordCounter;
  /** Records received (printed or filtered out). */
  readonly received: number;
}

/** Subscribes to `uri` and prints records until the signal aborts; then resolves with the counts. */
export async function tail(options: TailOptions): Promise<TailResult> {
  const { uri, signal } = options;
  const subscriber: SubscriberBase = await openSubscriber(uri, {
    onError: createStderrErrorHook(`tail ${redactUri(uri)}`),
    ...options.transport,
  });
  say(`tail: reading ${redactUri(uri)} (Ctrl-C to stop)`);
  const shown = new RecordCounter();
  let received = 0;
  const backoff = new Backoff();
  const closing = (): void => void subscriber.close().catch(() => undefined);
  signal.addEventListener('abort', closing, { once: true });
  try {
    for (;;) {
      let delivery: Awaited<ReturnType<SubscriberBase['receive']>>;
      try {
        delivery = await subscriber.receive(null, signal);
      } catch (error) {
        if (signal.aborted) break;
        await backoff.failed('tail: cannot receive from', uri, error, signal);
        continue;
      }
      if (delivery === null) {
        if (!signal.aborted && !subscriber.closed) continue;
        break;
      }
      backoff.reset();
      received++;
      const record = delivery.record;
      if (options.filter(record)) {
        shown.add(record);
        await writeLine(options.json ? encodeRecord(record) : formatRecordLine(record, { colour: options.colour }));
      }
      try {
        await delivery.ack();
      } catch (error) {
        say(
          `tail: could not acknowledge a record on ${redactUri(uri)}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  } finally {
    signal.removeEventListener('abort', closing);
    await subscriber.close().catch(() => undefined);
  }
  return { shown, received };
}

/** The summary printed when a tail ends: the table, and how many records the filters left out. */
export function tailSummary(result: TailResult, seconds: number): string {
  const filtered = result.received - result.shown.total;
  const head = `${result.shown.total} records in ${seconds.toFixed(1)} s${filtered > 0 ? ` (${filtered} more filtered out)` : ''}`;
  return result.shown.total > 0 ? `${head}\n${formatSummaryTable(result.shown)}` : head;
}
