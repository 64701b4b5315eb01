// Interop with real Python Logbook (latest from PyPI, in the virtualenv that @logq/services prepares):
// Python ZeroMQHandler -> logq ZeroMQSubscriber and logq ZeroMQHandler -> Python ZeroMQSubscriber, both modes.
import { Level, LogRecord, Logger, TestHandler, kw } from '@logq/core';
import { sampleRecord } from '@logq/core/testing';
import { ZeroMQHandler, ZeroMQSubscriber } from '../src/index.js';
import { endpoint } from './helpers.js';
import { type Lines, python } from './python.js';

jest.setTimeout(120_000);

// ---------------------------------------------------------------- Python -> Node

const PY_SENDER = String.raw`
import sys, json, threading, calendar
import logbook
from logbook.helpers import parse_iso8601
from logbook.queues import ZeroMQHandler

uri, multi = sys.argv[1], sys.argv[2] == '1'

class Reporting(ZeroMQHandler):
    def emit(self, record):
        data = self.export_record(record)
        if record.channel != 'probe':
            t = record.time
            parsed = parse_iso8601(data['time'])
            print(json.dumps({
                'dict': data,
                'true_micros': calendar.timegm(t.utctimetuple()) * 1000000 + t.microsecond,
                'parsed_micros': calendar.timegm(parsed.utctimetuple()) * 1000000 + parsed.microsecond,
            }), flush=True)
        self.socket.send(json.dumps(data).encode('utf-8'))

handler = Reporting(uri, multi=multi)
go = threading.Event()
threading.Thread(target=lambda: (sys.stdin.readline(), go.set()), daemon=True).start()
probe = logbook.Logger('probe')
log = logbook.Logger('interop.python ünïcødé')
with handler.applicationbound():
    # PUB/SUB slow joiner: probe until the Node subscriber says it receives.
    while not go.wait(0.05):
        probe.info('probe')
    log.warn('Hello {0} and {name}: {1:.2f} — äöü 日本語 🎉', 'wörld', 3.14159, name='ñame')
    log.info('with extra', extra={'request_id': 'req-1', 'nested': {'deep': [1, 'two', {'x': None}]}, 'emoji': '🎉'})
    log.notice('{who} said {what!r}', who='Zoë', what='ünïcode')
    log.debug('plain debug')
    log.critical('critical {}', 42)
    try:
        raise ValueError('bad thing ü — ☃')
    except ValueError:
        log.exception('failed {}', 'op')
    log.error('error with args {} {}', [1, 2], {'k': 'v'}, extra={'n': 1.5})
print('DONE', flush=True)
handler.close(linger=2000)
`;

const PY_RECORDS = 7;

describe.each([
  ['PUB/SUB', false],
  ['PUSH/PULL (multi)', true],
] as const)('Python Logbook ZeroMQHandler -> logq ZeroMQSubscriber over %s', (_name, multi) => {
  it('every field arrives as Python sent it', async () => {
    const uri = await endpoint();
    const subscriber = new ZeroMQSubscriber(uri, { multi });
    try {
      await subscriber.open();
      const py = python(PY_SENDER, [uri, multi ? '1' : '0']);
      // Wait for a probe, then tell Python to log the real records.
      for (;;) {
        const record = await subscriber.recv(60_000);
        if (!record) throw new Error(`no probe from python:\n${py.stderr}`);
        if (record.channel === 'probe') break;
      }
      py.child.stdin!.write('go\n');
      const sent: { dict: Record<string, unknown>; true_micros: number; parsed_micros: number }[] = [];
      for (let i = 0; i < PY_RECORDS; i++) sent.push(JSON.parse(await py.next()));
      expect(await py.next()).toBe('DONE');
      const received: LogRecord[] = [];
      while (received.length < PY_RECORDS) {
        const record = await subscriber.recv(30_000);
        if (!record) throw new Error(`only ${received.length} records from python`);
        if (record.channel !== 'probe') received.push(record);
      }
      for (let i = 0; i < PY_RECORDS; i++) {
        const expected = sent[i]!;
        const got = received[i]!;
        // The whole wire dict, key by key (unknown keys kept, time string kept exactly).
        expect(got.toDict()).toEqual(expected.dict);
        expect(got.channel).toBe('interop.python ünïcødé');
        expect(got.level).toBe(expected.dict.level);
        expect(got.message).toBe(expected.dict.message);
        expect(got.args).toEqual(expected.dict.args);
        expect(got.kwargs).toEqual(expected.dict.kwargs);
        expect(got.extra).toEqual(expected.dict.extra);
        expect(got.exceptionName).toBe(expected.dict.exception_name);
        expect(got.exceptionMessage).toBe(expected.dict.exception_message);
        expect(got.formattedException).toBe(expected.dict.formatted_exception);
        // The instant as Python's own parse_iso8601 reads the same text...
        expect(got.timeMicros).toBe(expected.parsed_micros);
        // ...which is the true instant unless Logbook wrote fewer than six fraction digits (its known defect).
        const fraction = /\.(\d+)Z$/.exec(String(expected.dict.time))?.[1];
        if (fraction === undefined || fraction.length === 6) expect(got.timeMicros).toBe(expected.true_micros);
      }
      const [hello, extra, notice, debug, critical, exception, withArgs] = received as [
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
      ];
      expect(hello.message).toBe('Hello wörld and ñame: 3.14 — äöü 日本語 🎉');
      expect(hello.levelName).toBe('WARNING');
      expect(hello.args).toEqual(['wörld', 3.14159]);
      expect(hello.kwargs).toEqual({ name: 'ñame' });
      expect(extra.extra).toEqual({ request_id: 'req-1', nested: { deep: [1, 'two', { x: null }] }, emoji: '🎉' });
      expect(notice.message).toBe("Zoë said 'ünïcode'");
      expect(notice.level).toBe(Level.NOTICE);
      expect(debug.level).toBe(Level.DEBUG);
      expect(critical.message).toBe('critical 42');
      expect(exception.level).toBe(Level.ERROR);
      expect(exception.exceptionName).toBe('builtins.ValueError'); // Logbook qualifies the name with its module
      expect(exception.exceptionMessage).toBe('bad thing ü — ☃');
      expect(exception.formattedException).toMatch(/Traceback[\s\S]*ValueError: bad thing ü — ☃/);
      expect(withArgs.args).toEqual([[1, 2], { k: 'v' }]);
      expect(withArgs.extra).toEqual({ n: 1.5 });
    } finally {
      await subscriber.close();
    }
  });
});

// ---------------------------------------------------------------- Node -> Python

const PY_RECEIVER = String.raw`
import sys, json, calendar
from logbook.queues import ZeroMQSubscriber

uri, multi, n = sys.argv[1], sys.argv[2] == '1', int(sys.argv[3])
sub = ZeroMQSubscriber(uri, multi=multi)
print('READY', flush=True)
for _ in range(n):
    rec = sub.recv()
    t = rec.time
    print(json.dumps({
        'dict': rec.to_dict(json_safe=True),
        'micros': calendar.timegm(t.utctimetuple()) * 1000000 + t.microsecond,
        'message': rec.message,
        'level_name': rec.level_name,
        'channel': rec.channel,
    }), flush=True)
sub.close()
`;

function nodeRecords(): LogRecord[] {
  const capture = new TestHandler();
  const logger = new Logger('interop.node ünïcødé');
  capture.applicationBound(() => {
    logger.warn(
      'Hello {0} and {name}: {1:.2f} — äöü',
      'wörld',
      3.14159,
      kw({ name: 'ñame' }, { extra: { request_id: 'r-9', nested: { a: [1, null] } } }),
    );
    logger.exception('failed {}', new RangeError('out of range ü'), 'op');
    logger.critical('critical {}', 42);
    logger.debug('plain debug 日本語 🎉');
  });
  const captured = capture.records;
  expect(captured).toHaveLength(4);
  expect(captured[1]!.exceptionName).toBe('RangeError');
  const exact = new LogRecord({
    channel: 'interop.node',
    level: Level.INFO,
    msg: 'small fraction',
    timeMicros: 1_764_087_806_000_042,
  });
  const zero = new LogRecord({
    channel: 'interop.node',
    level: Level.INFO,
    msg: 'zero fraction',
    timeMicros: 1_764_087_806_000_000,
  });
  return [sampleRecord(), ...captured, exact, zero];
}

/** Keys whose value Python legitimately rewrites: time (re-formatted by format_iso8601, compared as an instant). */
const REFORMATTED = new Set(['time']);

describe.each([
  ['PUB/SUB', false, false],
  ['PUSH/PULL (multi)', true, false],
  ['PUB/SUB, multipart batches', false, true],
  ['PUSH/PULL (multi), multipart batches', true, true],
] as const)('logq ZeroMQHandler -> Python Logbook ZeroMQSubscriber over %s', (_name, multi, multipart) => {
  it('Python receives every field', async () => {
    const uri = await endpoint();
    const records = nodeRecords();
    const handler = new ZeroMQHandler(uri, { multi, multipart });
    try {
      let py: Lines;
      if (multi) {
        py = python(PY_RECEIVER, [uri, '1', String(records.length)]);
        expect(await py.next(60_000)).toBe('READY');
      } else {
        await handler.open();
        py = python(PY_RECEIVER, [uri, '0', String(records.length)]);
        expect(await py.next(60_000)).toBe('READY');
        await handler.waitForPeers(1, { timeoutMs: 60_000 }); // the Python SUB's subscription has arrived
      }
      for (const record of records) handler.handle(record);
      await handler.flush();
      for (const sent of records) {
        const got = JSON.parse(await py.next()) as {
          dict: Record<string, unknown>;
          micros: number;
          message: string;
          level_name: string;
          channel: string;
        };
        const expected = sent.toDict();
        for (const key of Object.keys(expected)) {
          if (!REFORMATTED.has(key)) expect([key, got.dict[key]]).toEqual([key, expected[key]]);
        }
        expect(got.micros).toBe(sent.timeMicros);
        expect(got.message).toBe(sent.message);
        expect(got.level_name).toBe(sent.levelName);
        expect(got.channel).toBe(sent.channel);
      }
    } finally {
      await handler.close({ timeoutMs: 2000 });
    }
  });
});
