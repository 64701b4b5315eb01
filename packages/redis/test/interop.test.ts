import { Level, LogRecord } from '@logq/core';
import { parseIsoTime } from '@logq/core/transport';
import { sampleRecord } from '@logq/core/testing';
import { runPython } from '@logq/services';
import { RedisQueueHandler, RedisSubscriber } from '../src/index.js';
import { freshKey, redisForThisFile } from './helpers.js';

const redis = redisForThisFile();

/** kombu wants a database number in the URI path. */
const kombuUrl = () => {
  const url = new URL(redis.url);
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/0';
  return url.toString();
};

describe('interop with Python Logbook MessageQueueHandler/Subscriber over kombu Redis', () => {
  it('logq reads what Python Logbook MessageQueueHandler writes, every field', async () => {
    const key = freshKey('py-to-js');
    const code = `
import sys, json, logbook
from logbook.queues import MessageQueueHandler
seen = []
class Capture(logbook.Handler):
    def emit(self, record):
        seen.append(record.to_dict(json_safe=True))
log = logbook.Logger('python.side')
mq = MessageQueueHandler(sys.argv[1], queue=sys.argv[2], bubble=True)
with Capture().applicationbound():
    with mq.applicationbound():
        log.warning('Hello {0} and {name}: {1:.2f} äöü 日本語 🎉', 'wörld', 3.14159, name='ñame')
        log.info('plain', extra={'request_id': 'r-1'})
        try:
            1 / 0
        except ZeroDivisionError:
            log.exception('it broke')
        for i in range(50):
            log.notice('record {0}', i)
mq.close()
print(json.dumps(seen))
`;
    const result = await runPython(code, { args: [kombuUrl(), key] });
    expect(result.stderr).not.toMatch(/Traceback \(most recent call last\):\n(?![\s\S]*ZeroDivisionError)/);
    expect(result.code).toBe(0);
    const expected = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>[];
    expect(expected).toHaveLength(53);
    // kombu keeps the binding of the queue where Python producers route by exchange.
    expect(await redis.raw.sMembers(`_kombu.binding.${key}`)).toEqual([`${key}\x06\x16\x06\x16${key}`]);

    const subscriber = new RedisSubscriber(redis.url, { key, format: 'kombu' });
    try {
      const received: LogRecord[] = [];
      for (let i = 0; i < expected.length; i++) {
        const record = await subscriber.recv(15_000);
        expect(record).not.toBeNull();
        received.push(record!);
      }
      expect(await subscriber.recv(0)).toBeNull();
      for (let i = 0; i < expected.length; i++) expect(received[i]!.toDict()).toEqual(expected[i]);
      expect(received[0]!.message).toBe('Hello wörld and ñame: 3.14 äöü 日本語 🎉');
      expect(received[0]!.level).toBe(Level.WARNING);
      expect(received[1]!.extra).toEqual({ request_id: 'r-1' });
      // Logbook names the exception with its module.
      expect(received[2]!.exceptionName).toBe('builtins.ZeroDivisionError');
      expect(received[2]!.formattedException).toMatch(/ZeroDivisionError: division by zero/);
      expect(received.slice(3).map((r) => r.args[0])).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(subscriber.stats.malformed).toBe(0);
    } finally {
      await subscriber.close();
      await redis.raw.del([key, `_kombu.binding.${key}`, `_kombu.binding_permanent.${key}`]);
    }
  }, 90_000);

  it.each(['base64', 'utf-8'] as const)(
    'Python Logbook MessageQueueSubscriber reads what logq writes (body %s), every field',
    async (encoding: 'base64' | 'utf-8') => {
      const key = freshKey('js-to-py');
      const handler = new RedisQueueHandler(redis.url, { key, format: 'kombu', kombuBodyEncoding: encoding });
      const records = [
        sampleRecord(),
        ...Array.from(
          { length: 20 },
          (_, i) =>
            new LogRecord({
              channel: 'js.side',
              level: Level.INFO,
              msg: 'n {0}',
              args: [i],
              kwargs: { i },
              extra: { seq: i },
            }),
        ),
      ];
      for (const record of records) handler.handle(record);
      const closed = await handler.close();
      expect(closed).toEqual({ flushed: true, sent: records.length, dropped: 0 });
      const code = `
import sys, json, calendar
from logbook.queues import MessageQueueSubscriber
sub = MessageQueueSubscriber(sys.argv[1], queue=sys.argv[2])
out = []
for _ in range(int(sys.argv[3])):
    r = sub.recv(timeout=15)
    d = r.to_dict(json_safe=True)
    d['time'] = calendar.timegm(r.time.utctimetuple()) * 1000000 + r.time.microsecond
    out.append(d)
print(json.dumps(out))
`;
      const result = await runPython(code, { args: [kombuUrl(), key, String(records.length)] });
      expect(result.stderr).not.toMatch(/Traceback/);
      expect(result.code).toBe(0);
      const got = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<string, unknown>[];
      expect(got).toHaveLength(records.length);
      for (let i = 0; i < records.length; i++) {
        const sent = records[i]!.toDict() as unknown as Record<string, unknown>;
        const { time: pyTime, ...pyRest } = got[i]!;
        const { time: jsTime, ...jsRest } = sent;
        expect(pyRest).toEqual(jsRest);
        // Python parsed the same instant (it re-formats it with unpadded microseconds, so compare the datetime).
        expect(pyTime).toBe(parseIsoTime(jsTime as string));
        expect(pyTime).toBe(records[i]!.timeMicros);
      }
      expect(got[0]!.message).toBe('Hello wörld and ñame: 3.14 — äöü 日本語 🎉');
      expect(got[0]!.exception_name).toBe('TypeError');
      expect(await redis.raw.lLen(key)).toBe(0);
      await redis.raw.del([key, `_kombu.binding.${key}`, `_kombu.binding_permanent.${key}`]);
    },
    90_000,
  );
});
