/**
 * Interop with real Python Logbook (MessageQueueHandler / MessageQueueSubscriber
 * through kombu) from the virtualenv that @logq/services prepares.
 */
import { Level, LogRecord, Logger, TestHandler, kw } from '@logq/core';
import { parseIsoTime } from '@logq/core/transport';
import { sampleRecord } from '@logq/core/testing';
import { PY_MQ_HANDLER, type UsedService, jsonLines, receiveWithLogbook, runPython } from '@logq/services';
import { assertLogbookReceived } from '@logq/services/logbook-assert';
import { MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { RawClient, broker, freshQueue } from './helpers.js';

let service: UsedService;
let raw: RawClient;
/** kombu's form of the broker URI: the trailing `//` is the vhost `/`. */
let kombuUri: string;

beforeAll(async () => {
  service = await broker();
  raw = await RawClient.open(service.url);
  kombuUri = `${service.url.replace(/\/+$/, '')}//`;
}, 180_000);

afterAll(async () => {
  await raw?.close();
  await service?.stop();
});

describe('Python Logbook MessageQueueHandler → logq MessageQueueSubscriber', () => {
  it('receives every record with every field exactly as Logbook exported it', async () => {
    const queue = freshQueue('logq-interop-py2js');
    const result = await runPython(PY_MQ_HANDLER, { args: [kombuUri, queue], timeoutMs: 90_000 });
    expect(result.code).toBe(0);
    const sent = jsonLines(result.stdout) as Record<string, unknown>[];
    expect(sent).toHaveLength(6);

    const subscriber = new MessageQueueSubscriber(service.url, { queue });
    try {
      const received: LogRecord[] = [];
      for (let i = 0; i < sent.length; i++) {
        const record = await subscriber.recv(15_000);
        expect(record).not.toBeNull();
        received.push(record!);
      }
      expect(await subscriber.recv(300)).toBeNull();
      for (let i = 0; i < sent.length; i++) {
        // Every key, every value, the time string as Logbook wrote it.
        expect(received[i]!.toDict()).toEqual(sent[i]);
      }
      const [warning, info, debug, critical, exception, notice] = received as [
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
        LogRecord,
      ];
      expect(warning.level).toBe(Level.WARNING);
      expect(warning.channel).toBe('python.interop ünïcode');
      expect(warning.message).toBe('Hello wörld and ñame: 3.14 — 日本語 🎉');
      expect(warning.extra).toEqual({ request_id: 'req-42', nested: { list: [1, 2, { x: 'ÿ' }] } });
      expect(info.level).toBe(Level.INFO);
      expect(debug.message).toBe('debug [1, 2, 3]');
      expect(critical.message).toBe("critical 'quoted'");
      expect(exception.level).toBe(Level.ERROR);
      expect(exception.exceptionName).toBe('builtins.KeyError');
      expect(exception.formattedException).toMatch(/KeyError: 'missing key ☃'/);
      expect(notice.level).toBe(Level.NOTICE);
      expect(notice.kwargs).toEqual({ user: 'ü', count: 3 });
      expect(warning.timeMicros).toBe(parseIsoTime(sent[0]!.time as string));
      expect(subscriber.stats.malformed).toBe(0);
    } finally {
      await subscriber.close();
      await raw.remove(queue);
    }
  }, 120_000);
});

describe('logq MessageQueueHandler → Python Logbook MessageQueueSubscriber', () => {
  it('Logbook receives every record with every field', async () => {
    const queue = freshQueue('logq-interop-js2py');
    const handler = new MessageQueueHandler(service.url, { queue });
    const log = new Logger('node.interop ünïcode');
    // Records built directly (every field set), and one through a Logger (captured on its way).
    const records: LogRecord[] = [
      sampleRecord(),
      new LogRecord({
        channel: 'node.interop',
        level: Level.INFO,
        msg: 'plain {0}',
        args: [1],
        timeMicros: 1_764_087_806_000_000,
      }),
      new LogRecord({
        channel: 'node.interop',
        level: Level.DEBUG,
        msg: 'µs {0}',
        args: ['x'],
        timeMicros: 1_764_087_806_000_001,
      }),
    ];
    for (const record of records) handler.handle(record);
    const tap = new TestHandler({ bubble: true });
    handler.applicationBound(() =>
      tap.applicationBound(() => log.error('from a logger {0} {name}', 'ü', kw({ name: 'kw' }))),
    );
    expect(tap.records).toHaveLength(1);
    records.push(tap.records[0]!);
    await handler.flush();
    await handler.close();

    const got = await receiveWithLogbook(kombuUri, queue, 4);
    assertLogbookReceived(got, records);
    expect(got[0]!.level_name).toBe('WARNING');
    expect(got[0]!.exception_name).toBe('TypeError');
    expect(got[0]!.formatted_exception).toMatch(/TypeError: bad thing ü — ☃/);
    expect(got[0]!.time_iso).toBe('2025-11-25T16:23:26.073111');
    expect(got[3]!.level_name).toBe('ERROR');
    expect(got[3]!.message).toBe('from a logger ü kw');
    expect(got[3]!.dict.channel).toBe('node.interop ünïcode');
    expect(await raw.depth(queue)).toBe(0);
    await raw.remove(queue);
  }, 120_000);

  it('both sides declare the same entities (no 406) whichever comes first', async () => {
    const queue = freshQueue('logq-interop-declare');
    // Python declares first (its handler), then logq declares the same queue on both sides.
    const py = await runPython(
      `import sys\nfrom logbook.queues import MessageQueueHandler\nh = MessageQueueHandler(sys.argv[1], queue=sys.argv[2])\nh.close()\n`,
      { args: [kombuUri, queue], timeoutMs: 60_000 },
    );
    expect(py.code).toBe(0);
    const handler = new MessageQueueHandler(service.url, { queue });
    const subscriber = new MessageQueueSubscriber(service.url, { queue });
    await subscriber.connect();
    handler.handle(new LogRecord({ channel: 'declare', level: Level.INFO, msg: 'ok' }));
    await handler.flush();
    expect((await subscriber.recv(15_000))?.msg).toBe('ok');
    expect(handler.stats.errors).toBe(0);
    expect(subscriber.stats.errors).toBe(0);
    await handler.close();
    await subscriber.close();
    await raw.remove(queue);
  }, 120_000);
});
