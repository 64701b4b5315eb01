/**
 * Seeded garbage (garbageFrames from @logq/core/testing) as lines over a real TCP connection into
 * a StreamChannelSubscriber: no crash, every line counted, and the next valid record delivered.
 * A line cannot hold a newline (it ends the line), so newline bytes in a garbage frame are replaced.
 */
import { connect } from 'node:net';
import { decodeRecord } from '@logq/core/transport';
import { garbageFrames } from '@logq/core/testing';
import { StreamChannelSubscriber } from '../src/index.js';

jest.setTimeout(300_000);

const SEED = { seed: 4_242, count: 20_000 } as const;

function* lines(): Generator<{ kind: string; line: Buffer }> {
  for (const { kind, data } of garbageFrames(SEED)) {
    const line = Buffer.from(data);
    for (let i = line.indexOf(0x0a); i !== -1; i = line.indexOf(0x0a, i + 1)) line[i] = 0x20;
    yield { kind, line };
  }
}

test('20,000 garbage lines over TCP: all counted, none held over maxRecordBytes, the valid record after them delivered', async () => {
  // The oracle: each line decoded here with the same rules (a deeply nested extra decodes, slowly: counted below instead).
  let sent = 0;
  let malformed = 0;
  let huge = 0;
  for (const { kind, line } of lines()) {
    sent++;
    if (line.length > 1024 * 1024) huge++;
    if (kind === 'deep-nesting') continue;
    try {
      decodeRecord(line);
    } catch {
      malformed++;
    }
  }
  const subscriber = new StreamChannelSubscriber('stream+tcp://127.0.0.1:0', { onError: () => {} });
  const uri = new URL((await subscriber.ready())!);
  const socket = connect({ host: uri.hostname, port: Number(uri.port) });
  try {
    await new Promise((resolve) => socket.once('connect', resolve));
    const writing = (async () => {
      for (const { line } of lines()) {
        if (!socket.write(Buffer.concat([line, Buffer.from('\n')])))
          await new Promise((resolve) => socket.once('drain', resolve));
      }
      socket.write('{"channel":"fuzz","level":13,"msg":"the valid record after the garbage"}\n');
    })();
    let decoded = 0;
    for (;;) {
      const record = await subscriber.recv(60_000);
      if (record === null)
        throw new Error(`the valid record never arrived (stats ${JSON.stringify(subscriber.stats)})`);
      if (record.message === 'the valid record after the garbage') break;
      decoded++;
    }
    await writing;
    expect(subscriber.stats.received).toBe(sent + 1);
    expect(subscriber.stats.malformed).toBe(malformed);
    expect(decoded + malformed).toBe(sent);
    expect(huge).toBeGreaterThan(0);
    expect(subscriber.streamStats.oversized).toBe(huge);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  } finally {
    socket.destroy();
    await subscriber.close();
  }
});
