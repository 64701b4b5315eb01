import assert from 'node:assert/strict';
import { runPython } from './python.js';

// Python Logbook peers for interop tests of every transport that Logbook reaches through kombu
// (MessageQueueHandler / MessageQueueSubscriber with amqp://, redis://, mongodb:// URIs).

/**
 * A Python program (argv: kombu URI, queue) that logs six records through Logbook's
 * `MessageQueueHandler` (unicode, args, kwargs, nested extra, an exception) and prints
 * the dict it exported for each as one JSON line.
 */
export const PY_MQ_HANDLER = String.raw`
import json, sys
import logbook
from logbook.queues import MessageQueueHandler

uri, queue = sys.argv[1], sys.argv[2]

class PrintingHandler(MessageQueueHandler):
    def export_record(self, record):
        d = super().export_record(record)
        print(json.dumps(d), flush=True)
        return d

def inject(record):
    record.extra['request_id'] = 'req-42'
    record.extra['nested'] = {'list': [1, 2, {'x': 'ÿ'}]}

handler = PrintingHandler(uri, queue=queue)
log = logbook.Logger('python.interop ünïcode')
with handler.applicationbound(), logbook.Processor(inject).applicationbound():
    log.warning('Hello {0} and {name}: {1:.2f} — 日本語 🎉', 'wörld', 3.14159, name='ñame')
    log.info('plain info')
    log.debug('debug {}', [1, 2, 3])
    log.critical('critical {x!r}', x='quoted')
    try:
        {}['missing key ☃']
    except KeyError:
        log.exception('failed with {0}', 'an exception')
    log.notice('notice with kwargs only', user='ü', count=3)
handler.close()
`;

/**
 * A Python program (argv: kombu URI, queue, count) that receives `count` records with
 * Logbook's `MessageQueueSubscriber` and prints, per record, a JSON line with its
 * `to_dict(json_safe=True)`, message, level name, time and exception fields.
 */
export const PY_MQ_SUBSCRIBER = String.raw`
import calendar, json, sys
from logbook.queues import MessageQueueSubscriber

uri, queue, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sub = MessageQueueSubscriber(uri, queue=queue)
for _ in range(count):
    record = sub.recv(timeout=30)
    d = record.to_dict(json_safe=True)
    print(json.dumps({
        'dict': d,
        'message': record.message,
        'level_name': record.level_name,
        'time_iso': record.time.isoformat(),
        'time_micros': calendar.timegm(record.time.timetuple()) * 1000000 + record.time.microsecond,
        'exception_name': record.exception_name,
        'exception_message': record.exception_message,
        'formatted_exception': record.formatted_exception,
    }), flush=True)
sub.close()
`;

/** The JSON lines of a Python peer's output, parsed. */
export function jsonLines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as unknown);
}

/** What {@link PY_MQ_SUBSCRIBER} printed for one record it received. */
export interface LogbookReceived {
  /** Logbook's `to_dict(json_safe=True)`. */
  readonly dict: Record<string, unknown>;
  readonly message: string;
  readonly level_name: string;
  readonly time_iso: string;
  readonly time_micros: number;
  readonly exception_name: string | null;
  readonly exception_message: string | null;
  readonly formatted_exception: string | null;
}

/**
 * Receives `count` records with Python Logbook's `MessageQueueSubscriber(uri, queue)`.
 * Rejects when Python fails (with its stderr) or receives another number of records.
 */
export async function receiveWithLogbook(
  uri: string,
  queue: string,
  count: number,
  timeoutMs = 90_000,
): Promise<LogbookReceived[]> {
  const result = await runPython(PY_MQ_SUBSCRIBER, { args: [uri, queue, String(count)], timeoutMs });
  if (result.code !== 0 || /Traceback/.test(result.stderr)) {
    throw new Error(`Logbook's MessageQueueSubscriber failed (exit ${result.code}):\n${result.stderr}`);
  }
  const got = jsonLines(result.stdout) as LogbookReceived[];
  assert.equal(got.length, count, `Logbook received ${got.length} of ${count} records`);
  return got;
}
