/**
 * Fault tests against RabbitMQ nodes of their own: the broker stopped and
 * started again in the middle of a stream, and a subscriber process killed
 * between receiving a record and acknowledging it.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { numberedRecord, waitFor } from '@logq/core/testing';
import { type RabbitMQServer, startRabbitMQ } from '@logq/services';
import { MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { RawClient, closer, errorSink, freshQueue } from './helpers.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { nodeArgs } = require('./support/register.cjs') as { nodeArgs(file: string): string[] };

let server: RabbitMQServer;
const track = closer();

beforeAll(async () => {
  server = await startRabbitMQ();
}, 180_000);

afterEach(() => track.closeAll());

afterAll(async () => {
  await server?.dispose();
}, 60_000);

describe('RabbitMQ stopped and started again mid-stream', () => {
  it('every one of 10,000 records arrives; duplicates only as at-least-once allows, and counted', async () => {
    const queue = freshQueue('logq-fault');
    const n = 10_000;
    const handlerErrors = errorSink();
    const subscriberErrors = errorSink();
    const fast = { initialDelayMs: 100, maxDelayMs: 1_000 };
    const handler = track.add(
      new MessageQueueHandler(server.url, { queue, onError: handlerErrors.hook, reconnect: fast }),
    );
    const subscriber = track.add(
      new MessageQueueSubscriber(server.url, { queue, onError: subscriberErrors.hook, reconnect: fast }),
    );
    await subscriber.connect();

    const seen = new Set<number>();
    let duplicates = 0;
    let stopReceiving = false;
    const receiving = (async () => {
      while (!stopReceiving && seen.size < n) {
        const record = await subscriber.recv(500);
        if (!record) continue;
        const seq = record.extra.seq as number;
        if (seen.has(seq)) duplicates++;
        seen.add(seq);
      }
    })();

    // A steady stream: 10,000 records in chunks of 100.
    let emitted = 0;
    const emit = async (until: number) => {
      while (emitted < until) {
        for (let i = 0; i < 100 && emitted < until; i++) handler.handle(numberedRecord(emitted++, 'fault'));
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    await emit(3_000);
    await waitFor(() => seen.size >= 1_000, 'the first records to arrive', 60_000);
    const stopping = server.stop(); // records keep coming while it goes down
    await emit(6_000);
    await stopping;
    expect(server.running).toBe(false);
    await emit(8_000); // buffered by the handler while there is no broker
    expect(handler.stats.buffered).toBeGreaterThan(0);
    await server.start();
    await emit(n);
    await handler.flush();
    expect(handler.stats.buffered).toBe(0);
    await waitFor(() => seen.size >= n, `all ${n} records (got ${seen.size})`, 120_000).finally(() => {
      stopReceiving = true;
    });
    await receiving;

    const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
    expect(missing).toEqual([]);
    expect(handler.stats.dropped).toBe(0);
    expect(handler.stats.sent).toBe(n);
    // A duplicate is either a record the handler published again after an
    // unconfirmed batch, or one the broker redelivered because its ack was lost.
    expect(duplicates).toBeLessThanOrEqual(handler.stats.republished + subscriber.stats.redelivered);
    expect(handler.stats.connections).toBeGreaterThanOrEqual(2);
    expect(subscriber.stats.connections).toBeGreaterThanOrEqual(2);
    expect(handlerErrors.errors.length).toBeGreaterThan(0);
    expect(subscriberErrors.errors.length).toBeGreaterThan(0);
    process.stdout.write(
      `fault test: ${n} records, ${duplicates} duplicates; handler republished ${handler.stats.republished}, ` +
        `subscriber redelivered ${subscriber.stats.redelivered}, lost acks ${subscriber.stats.lostAcks}, discarded ${subscriber.stats.discarded}\n`,
    );
  }, 300_000);
});

describe('connections closed by the broker (rabbitmqctl close_all_connections)', () => {
  it('both sides reconnect, nothing is lost, and no error event goes unhandled', async () => {
    const queue = freshQueue('logq-forced');
    const n = 3_000;
    const fast = { initialDelayMs: 50, maxDelayMs: 500 };
    const handler = track.add(
      new MessageQueueHandler(server.url, { queue, onError: () => {}, reconnect: fast, batchSize: 100 }),
    );
    const subscriber = track.add(new MessageQueueSubscriber(server.url, { queue, onError: () => {}, reconnect: fast }));
    await subscriber.connect();
    const seen = new Set<number>();
    let stop = false;
    const receiving = (async () => {
      while (!stop && seen.size < n) {
        const record = await subscriber.recv(500);
        if (record) seen.add(record.extra.seq as number);
      }
    })();
    for (let i = 0; i < n / 2; i++) handler.handle(numberedRecord(i, 'forced'));
    await waitFor(() => seen.size > 100, 'the first records', 60_000);
    await server.ctl(['close_all_connections', 'logq fault test']);
    for (let i = n / 2; i < n; i++) handler.handle(numberedRecord(i, 'forced'));
    await handler.flush();
    await waitFor(() => seen.size >= n, `all ${n} records (got ${seen.size})`, 120_000).finally(() => {
      stop = true;
    });
    await receiving;
    expect(seen.size).toBe(n);
    expect(handler.stats.connections).toBeGreaterThanOrEqual(2);
    expect(subscriber.stats.connections).toBeGreaterThanOrEqual(2);
  }, 180_000);
});

describe('a subscriber process killed between receive and ack', () => {
  it('its record is redelivered to the next subscriber', async () => {
    const queue = freshQueue('logq-kill');
    const handler = track.add(new MessageQueueHandler(server.url, { queue }));
    for (let i = 1; i <= 3; i++) handler.handle(numberedRecord(i, 'kill'));
    await handler.flush();

    const child = spawn(
      process.execPath,
      nodeArgs(join(__dirname, 'support', 'receive-without-ack.ts')).concat([server.url, queue]),
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    track.add({ close: () => child.kill('SIGKILL') });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`child exited (${code}) before receiving: ${stderr}`)));
    });
    expect(JSON.parse(firstLine)).toEqual({ seq: 1 });
    const raw = track.add(await RawClient.open(server.url));
    expect(await raw.depth(queue)).toBe(2); // record 1 is out with the child, unacknowledged

    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    // The broker requeues it once it sees the connection gone.
    let depth = 0;
    for (let i = 0; i < 300 && depth !== 3; i++) {
      depth = await raw.depth(queue);
      if (depth !== 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(depth).toBe(3);

    const next = track.add(new MessageQueueSubscriber(server.url, { queue }));
    const again = await next.recv(15_000);
    expect(again?.extra.seq).toBe(1);
    expect(next.stats.redelivered).toBe(1);
    expect((await next.recv(15_000))?.extra.seq).toBe(2);
    expect((await next.recv(15_000))?.extra.seq).toBe(3);
    expect(await next.recv(200)).toBeNull();
  }, 120_000);
});
