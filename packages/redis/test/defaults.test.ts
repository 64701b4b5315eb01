import { Level, LogRecord, createHandler, createSubscriber } from '@logq/core';
import { encodeRecord } from '@logq/core/transport';
import { numberedRecord, sampleRecord } from '@logq/core/testing';
import { jsonLines, runPython } from '@logq/services';
import { assertLogbookReceived } from '@logq/services/logbook-assert';
import { DEFAULT_QUEUE, RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { redisForThisFile } from './helpers.js';

const redis = redisForThisFile();

/** kombu wants a database number in the URI path. */
const kombuUrl = () => `${redis.url}/0`;

async function clean(): Promise<void> {
  await redis.raw.del([
    DEFAULT_QUEUE,
    `${DEFAULT_QUEUE}.malformed`,
    `_kombu.binding.${DEFAULT_QUEUE}`,
    `_kombu.binding_permanent.${DEFAULT_QUEUE}`,
  ]);
}
afterEach(clean);

/** Logbook's MessageQueueHandler with its defaults (queue 'logging'), logging `n` records; prints each exported dict. */
const PY_DEFAULT_HANDLER = String.raw`
import json, sys
import logbook
from logbook.queues import MessageQueueHandler

class Printing(MessageQueueHandler):
    def export_record(self, record):
        d = super().export_record(record)
        print(json.dumps(d), flush=True)
        return d

handler = Printing(sys.argv[1])
log = logbook.Logger('python.defaults')
with handler.applicationbound():
    for i in range(int(sys.argv[2])):
        log.warning('default {0} äöü 🎉', i, seq=i)
handler.close()
`;

/** Logbook's MessageQueueSubscriber with its defaults, receiving `n` records; prints each dict. */
const PY_DEFAULT_SUBSCRIBER = String.raw`
import calendar, json, sys
from logbook.queues import MessageQueueSubscriber

sub = MessageQueueSubscriber(sys.argv[1])
for _ in range(int(sys.argv[2])):
    record = sub.recv(timeout=30)
    print(json.dumps({
        'dict': record.to_dict(json_safe=True),
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

describe('defaults interoperate with Python Logbook (redis://, queue "logging", kombu format)', () => {
  it('logq subscribers with default options read what Logbook MessageQueueHandler(uri) writes', async () => {
    const result = await runPython(PY_DEFAULT_HANDLER, { args: [kombuUrl(), '5'] });
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    const sent = jsonLines(result.stdout) as Record<string, unknown>[];
    expect(sent).toHaveLength(5);
    expect(await redis.raw.lLen(DEFAULT_QUEUE)).toBe(5);

    // The class and createSubscriber, each with no options.
    const viaClass = new RedisSubscriber(redis.url);
    const viaResolver = await createSubscriber(redis.url);
    try {
      expect(viaClass.key).toBe('logging');
      expect(viaClass.wireFormat).toBe('kombu');
      const got: LogRecord[] = [];
      for (let i = 0; i < 3; i++) got.push((await viaClass.recv(15_000))!);
      await viaClass.close(); // puts back what it took ahead
      for (let i = 3; i < 5; i++) got.push((await viaResolver.recv(15_000))!);
      got.forEach((record, i) => {
        expect(record.toDict()).toEqual(sent[i]);
      });
      expect(got[4]!.message).toBe('default 4 äöü 🎉');
      expect(viaClass.stats.malformed + viaResolver.stats.malformed).toBe(0);
    } finally {
      await viaClass.close();
      await viaResolver.close();
    }
  }, 90_000);

  it('Logbook MessageQueueSubscriber(uri) reads what logq handlers with default options write', async () => {
    const records = [
      sampleRecord(),
      ...Array.from(
        { length: 4 },
        (_, i) =>
          new LogRecord({ channel: 'js.defaults', level: Level.INFO, msg: 'n {0}', args: [i], extra: { seq: i } }),
      ),
    ];
    const handler = new RedisQueueHandler(redis.url);
    // What Logbook's MessageQueueHandler('redis://…', queue=…) calls through the resolver.
    const resolved = await createHandler(redis.url, { queue: 'logging' });
    expect(handler.key).toBe('logging');
    expect(handler.wireFormat).toBe('kombu');
    for (const record of records.slice(0, 3)) handler.handle(record);
    expect(await handler.close()).toEqual({ flushed: true, sent: 3, dropped: 0 });
    for (const record of records.slice(3)) resolved.handle(record);
    expect(await resolved.close()).toMatchObject({ flushed: true, dropped: 0 });
    const result = await runPython(PY_DEFAULT_SUBSCRIBER, { args: [kombuUrl(), String(records.length)] });
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    assertLogbookReceived(jsonLines(result.stdout) as never, records);
    expect(await redis.raw.lLen(DEFAULT_QUEUE)).toBe(0);
  }, 90_000);
});

describe('a subscriber never destroys what it cannot decode on a shared queue', () => {
  it('list mode moves foreign and malformed items to <key>.malformed as they were, reports and counts them', async () => {
    const errors: unknown[] = [];
    const subscriber = new RedisSubscriber(redis.url, { onError: (e) => errors.push(e) });
    expect(subscriber.malformedKey).toBe('logging.malformed');
    try {
      // kombu consumers take from the tail: these are read in the order pushed with LPUSH.
      const foreign = encodeRecord(numberedRecord(1)); // logq's own format on a kombu queue
      const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x7b]);
      await redis.raw.lPush(DEFAULT_QUEUE, foreign);
      await redis.raw.lPush(DEFAULT_QUEUE, garbage);
      const producer = new RedisQueueHandler(redis.url);
      producer.handle(numberedRecord(2));
      await producer.close();
      expect((await subscriber.recv(10_000))?.extra.seq).toBe(2);
      expect(subscriber.stats.malformed).toBe(2);
      expect(errors).toHaveLength(2);
      const aside = await redis.raw.withTypeMapping({ 36: Buffer }).lRange('logging.malformed', 0, -1);
      expect(aside.map((b) => Buffer.from(b))).toEqual([Buffer.from(foreign), garbage]);
    } finally {
      await subscriber.close();
    }
  }, 60_000);
});
