/**
 * Interop with real Python Logbook (from the virtualenv that @logq/services prepares): the
 * README's own Python snippet, a `logbook.Handler` writing `to_dict(json_safe=True)` lines to a
 * socket, logs to logq's StreamChannelSubscriber, which receives every record field by field.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level, type LogRecord } from '@logq/core';
import { parseIsoTime } from '@logq/core/transport';
import { jsonLines, runPython } from '@logq/services';
import { StreamChannelSubscriber } from '../src/index.js';

jest.setTimeout(120_000);

/** The first ```python block of the README, exactly as users copy it. */
function readmeSnippet(): string {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const match = /```python\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('the README has no python block');
  return match[1]!;
}

/** Logs six records through the README's handler (argv: host, port) and prints each dict it sent. */
const DRIVER = String.raw`
import sys

class PrintingHandler(StreamChannelHandler):
    def emit(self, record):
        super().emit(record)
        print(json.dumps(record.to_dict(json_safe=True)), flush=True)

def inject(record):
    record.extra['request_id'] = 'req-42'
    record.extra['nested'] = {'list': [1, 2, {'x': 'ÿ'}]}

handler = PrintingHandler(sys.argv[1], int(sys.argv[2]))
log = logbook.Logger('python.stream ünïcode')
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

test("Python Logbook → the README's logbook.Handler → logq StreamChannelSubscriber: every field as Logbook exported it", async () => {
  const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0');
  try {
    const uri = new URL((await subscriber.ready())!);
    const result = await runPython(`${readmeSnippet()}\n${DRIVER}`, {
      args: [uri.hostname, uri.port],
      timeoutMs: 90_000,
    });
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code).toBe(0);
    const sent = jsonLines(result.stdout) as Record<string, unknown>[];
    expect(sent).toHaveLength(6);
    const received: LogRecord[] = [];
    for (let i = 0; i < sent.length; i++) {
      const record = await subscriber.recv(15_000);
      expect(record).not.toBeNull();
      received.push(record!);
    }
    expect(await subscriber.recv(300)).toBeNull();
    // Field by field: the record's wire dict is the dict Logbook exported.
    for (let i = 0; i < sent.length; i++) expect(received[i]!.toDict()).toEqual(sent[i]);
    const [warning, info, debug, critical, exception, notice] = received as [
      LogRecord,
      LogRecord,
      LogRecord,
      LogRecord,
      LogRecord,
      LogRecord,
    ];
    expect(warning.level).toBe(Level.WARNING);
    expect(warning.channel).toBe('python.stream ünïcode');
    expect(warning.message).toBe('Hello wörld and ñame: 3.14 — 日本語 🎉');
    expect(warning.args).toEqual(['wörld', 3.14159]);
    expect(warning.kwargs).toEqual({ name: 'ñame' });
    expect(warning.extra).toEqual({ request_id: 'req-42', nested: { list: [1, 2, { x: 'ÿ' }] } });
    expect(warning.timeMicros).toBe(parseIsoTime(sent[0]!.time as string));
    expect(info.level).toBe(Level.INFO);
    expect(debug.message).toBe('debug [1, 2, 3]');
    expect(critical.message).toBe("critical 'quoted'");
    expect(exception.level).toBe(Level.ERROR);
    expect(exception.exceptionName).toBe('builtins.KeyError'); // Logbook names it with its module
    expect(exception.formattedException).toMatch(/KeyError: 'missing key ☃'/);
    expect(notice.kwargs).toEqual({ user: 'ü', count: 3 });
    expect(typeof warning.process).toBe('number');
    expect(subscriber.stats).toMatchObject({ received: 6, malformed: 0 });
  } finally {
    await subscriber.close();
  }
});
