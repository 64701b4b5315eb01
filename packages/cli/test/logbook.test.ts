import { jsonLines, PY_MQ_HANDLER, runPython, useRedis, type UsedService } from '@logq/services';
import { lines, startLogq, STACK_LINE } from './helpers.js';

/** kombu wants a database number in the URI path. */
const kombuUrl = (url: string): string => {
  const parsed = new URL(url);
  if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/0';
  return parsed.toString();
};

describe('logq tail shows what real Python Logbook sends (MessageQueueHandler over kombu Redis)', () => {
  let redis: UsedService;
  beforeAll(async () => {
    redis = await useRedis();
  });
  afterAll(() => redis.stop());

  /** Runs Logbook's MessageQueueHandler (six records, one with an exception) and returns the dicts it exported. */
  async function pythonLogs(queue: string): Promise<Record<string, unknown>[]> {
    const result = await runPython(PY_MQ_HANDLER, { args: [kombuUrl(redis.url), queue] });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return jsonLines(result.stdout) as Record<string, unknown>[];
  }

  it('--json prints every record exactly as Logbook exported it', async () => {
    const queue = `py-json-${process.pid}`;
    const sent = await pythonLogs(queue);
    expect(sent).toHaveLength(6);
    const logq = startLogq(['tail', kombuUrl(redis.url), '--queue', queue, '-o', 'format=kombu', '--json']);
    await logq.waitForStdout((text) => lines(text).length === 6);
    logq.child.kill('SIGINT');
    expect(await logq.exited).toBe(0);
    expect(lines(logq.stdout()).map((line) => JSON.parse(line))).toEqual(sent);
  });

  it('readable lines: level, unicode channel, Python process id, message, and the Python traceback under it', async () => {
    const queue = `py-lines-${process.pid}`;
    const sent = await pythonLogs(queue);
    const logq = startLogq(['tail', kombuUrl(redis.url), '--queue', queue, '-o', 'format=kombu']);
    await logq.waitForStdout((text) => text.includes('notice with kwargs only'));
    logq.child.kill('SIGINT');
    expect(await logq.exited).toBe(0);
    const out = lines(logq.stdout());
    const pid = sent[0]!.process as number;
    expect(out[0]).toMatch(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARNING  python\\.interop ünïcode\\[${pid}\\] Hello wörld and ñame: 3\\.14 — 日本語 🎉$`,
      ),
    );
    const at = out.findIndex((line) => line.includes('failed with an exception'));
    expect(out[at]).toMatch(/ ERROR {4}python\.interop ünïcode\[\d+\] failed with an exception$/);
    expect(out[at + 1]).toBe(`${' '.repeat(13)}└ builtins.KeyError: 'missing key ☃'`); // Logbook's exception_name
    expect(out[at + 2]).toBe(`${' '.repeat(15)}Traceback (most recent call last):`);
    expect(out.slice(at + 3).some((line) => line === `${' '.repeat(15)}KeyError: 'missing key ☃'`)).toBe(true);
    expect(logq.stderr()).toMatch(/^python\.interop ünïcode +0 +1 +1 +1 +1 +1 +1 +6$/m);
    expect(logq.stderr()).not.toMatch(STACK_LINE);
  });
});
