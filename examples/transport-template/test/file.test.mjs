// What the file transport does beyond the conformance kit: the resolver, resuming at a position,
// lines written in pieces, overlong lines, a truncated file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { LogRecord, createHandler, createSubscriber } from '@logq/core';
import { encodeRecord } from '@logq/core/transport';
import { FileHandler, FileSubscriber, FileTruncatedError } from 'logq-transport-file';

const dir = mkdtempSync(join(tmpdir(), 'logq-transport-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `t-${n++}.jsonl`);
const record = (msg) => new LogRecord({ channel: 'file.test', level: 11, msg });

describe('logq-transport-file', () => {
  it('registers file:// with @logq/core, typed options included', async () => {
    const path = fresh();
    const handler = await createHandler(pathToFileURL(path).href, { fsync: true, batchSize: 2 });
    assert.ok(handler instanceof FileHandler);
    assert.equal(handler.fsync, true);
    assert.equal(handler.batchSize, 2);
    for (const msg of ['a', 'b', 'c']) handler.handle(record(msg));
    const closed = await handler.close();
    assert.deepEqual([closed.flushed, closed.sent], [true, 3]);
    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).msg),
      ['a', 'b', 'c'],
    );
    const subscriber = await createSubscriber(pathToFileURL(path).href, { pollIntervalMs: 5 });
    assert.ok(subscriber instanceof FileSubscriber);
    assert.equal((await subscriber.recv(1000))?.message, 'a');
    await subscriber.close();
  });

  it('resumes after the last record received, from a saved position', async () => {
    const path = fresh();
    const handler = new FileHandler(path);
    for (const msg of ['one', 'two', 'three']) handler.handle(record(msg));
    await handler.flush();
    const first = new FileSubscriber(path);
    assert.equal((await first.recv(1000))?.message, 'one');
    const saved = first.position;
    await first.close();
    const second = new FileSubscriber(path, { position: saved });
    assert.equal((await second.recv(1000))?.message, 'two');
    await second.close();
    await handler.close();
  });

  it('waits for the end of a line written in pieces', async () => {
    const path = fresh();
    const line = encodeRecord(record('in pieces'));
    await appendFile(path, line.slice(0, 10));
    const subscriber = new FileSubscriber(path, { pollIntervalMs: 5 });
    assert.equal(await subscriber.recv(100), null);
    const waiting = subscriber.recv(5000);
    await appendFile(path, `${line.slice(10)}\n`);
    assert.equal((await waiting)?.message, 'in pieces');
    assert.equal(subscriber.stats.malformed, 0);
    await subscriber.close();
  });

  it('skips a line longer than maxRecordBytes without keeping it, and reads on', async () => {
    const path = fresh();
    const errors = [];
    const subscriber = new FileSubscriber(path, {
      maxRecordBytes: 1000,
      pollIntervalMs: 5,
      onError: (e) => errors.push(e),
    });
    await appendFile(path, 'x'.repeat(600_000));
    assert.equal(await subscriber.recv(50), null);
    await appendFile(path, `${'y'.repeat(600_000)}\n${encodeRecord(record('after the long line'))}\n`);
    assert.equal((await subscriber.recv(5000))?.message, 'after the long line');
    assert.equal(subscriber.stats.malformed, 1);
    assert.match(String(errors[0]), /1000/);
    await subscriber.close();
  });

  it('starts again from the beginning when the file is truncated, and says so', async () => {
    const path = fresh();
    const errors = [];
    const handler = new FileHandler(path);
    handler.handle(record('before the file was truncated'));
    await handler.flush();
    const subscriber = new FileSubscriber(path, { pollIntervalMs: 5, onError: (e) => errors.push(e) });
    assert.equal((await subscriber.recv(1000))?.message, 'before the file was truncated');
    truncateSync(path, 0);
    handler.handle(record('after'));
    await handler.flush();
    assert.equal((await subscriber.recv(5000))?.message, 'after');
    assert.ok(errors.some((e) => e instanceof FileTruncatedError));
    await subscriber.close();
    await handler.close();
  });
});
