import type { LogRecord } from '@logq/core';
import { waitFor } from '@logq/core/testing';
import { MultiProcessingSubscriber } from '../src/index.js';
import { type ChildKind, type StartedChild, startChild } from './helpers.js';

jest.setTimeout(180_000);

/** Receives until `done` holds or nothing arrives for `quietMs`. */
async function collect(
  subscriber: MultiProcessingSubscriber,
  done: (records: LogRecord[]) => boolean,
  quietMs = 20_000,
): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  while (!done(records)) {
    const record = await subscriber.recv(quietMs);
    if (!record) break;
    records.push(record);
  }
  return records;
}

/** Groups the records' sequence numbers (args[0]) by the child name (args[1]). */
function byChild(records: readonly LogRecord[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const r of records) {
    const name = String(r.args[1]);
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push(r.args[0] as number);
  }
  return out;
}

test('records from many fork, cluster and worker_threads children all arrive, in order per child; close() before exit delivers everything', async () => {
  const subscriber = new MultiProcessingSubscriber();
  const kinds: ChildKind[] = ['fork', 'fork', 'fork', 'cluster', 'cluster', 'worker', 'worker'];
  const perChild = 5_000;
  try {
    // Each child logs, awaits handler.close(), and calls process.exit at once.
    const children = kinds.map((kind, i) =>
      startChild(kind, { mode: 'count', count: perChild, name: `${kind}-${i}` }, (t) => subscriber.queue.attach(t)),
    );
    const total = kinds.length * perChild;
    const records = await collect(subscriber, (r) => r.length >= total);
    const codes = await Promise.all(children.map((c) => c.exited));
    expect(codes).toEqual(kinds.map(() => 0));
    const groups = byChild(records);
    expect(groups.size).toBe(kinds.length);
    for (const [name, seqs] of groups) {
      expect({ name, seqs: seqs.length }).toEqual({ name, seqs: perChild });
      expect(seqs.findIndex((s, i) => s !== i)).toBe(-1);
    }
    for (const child of children) {
      const report = child.reports.find((m) => 'result' in (m as object)) as {
        result: { flushed: boolean; dropped: number };
      };
      expect(report.result).toMatchObject({ flushed: true, dropped: 0 });
    }
    expect(await subscriber.recv(0)).toBeNull();
  } finally {
    await subscriber.close();
  }
});

test.each<ChildKind>(['fork', 'cluster'])(
  'a %s child with serialization: advanced (the V8 serializer) works the same',
  async (kind) => {
    const subscriber = new MultiProcessingSubscriber();
    try {
      const child = startChild(
        kind,
        { mode: 'count', count: 2_000, name: 'advanced' },
        (t) => subscriber.queue.attach(t),
        'advanced',
      );
      const records = await collect(subscriber, (r) => r.length >= 2_000);
      expect(await child.exited).toBe(0);
      expect(byChild(records).get('advanced')).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
      expect(subscriber.stats.malformed).toBe(0);
    } finally {
      await subscriber.close();
    }
  },
);

test.each<[ChildKind, 'crash' | 'throw']>([
  ['fork', 'crash'],
  ['fork', 'throw'],
  ['cluster', 'crash'],
  ['worker', 'throw'],
])(
  'a %s child that dies (%s) loses at most what it had not handed over; the subscriber and its siblings go on',
  async (kind, mode) => {
    const subscriber = new MultiProcessingSubscriber();
    try {
      const sibling = startChild('fork', { mode: 'count', count: 3_000, name: 'sibling' }, (t) =>
        subscriber.queue.attach(t),
      );
      const crasher = startChild(kind, { mode, count: 2_000, extra: 50_000, name: 'crasher' }, (t) =>
        subscriber.queue.attach(t),
      );
      expect(await crasher.exited).not.toBe(0);
      const records = await collect(subscriber, (r) => byChild(r).get('sibling')?.length === 3_000, 20_000);
      // Drain what else arrived from the crashed child.
      for (let r = await subscriber.recv(1_000); r; r = await subscriber.recv(1_000)) records.push(r);
      expect(await sibling.exited).toBe(0);
      const groups = byChild(records);
      expect(groups.get('sibling')).toEqual(Array.from({ length: 3_000 }, (_, i) => i));
      const crashed = groups.get('crasher') ?? [];
      // Everything flushed before the crash arrived, in order, with no gap; later records may be partly lost.
      expect(crashed.length).toBeGreaterThanOrEqual(2_000);
      expect(crashed.length).toBeLessThan(52_000);
      expect(crashed.findIndex((s, i) => s !== i)).toBe(-1);
      // The subscriber still works: a new child after the crash is heard.
      const after = startChild(kind, { mode: 'count', count: 10, name: 'after' }, (t) => subscriber.queue.attach(t));
      const more = await collect(subscriber, (r) => r.length >= 10);
      expect(byChild(more).get('after')).toEqual(Array.from({ length: 10 }, (_, i) => i));
      expect(await after.exited).toBe(0);
    } finally {
      await subscriber.close();
    }
  },
);

test.each<ChildKind>(['fork', 'worker'])(
  'a %s child flooding a parent that does not read: the queue stays bounded, the child drops and counts',
  async (kind) => {
    const capacity = 2_000;
    const window = 1_000;
    const subscriber = new MultiProcessingSubscriber(null, { queueOptions: { capacity } });
    let child: StartedChild | null = null;
    try {
      child = startChild(kind, { mode: 'flood', count: 200_000, maxBuffer: 5_000, window, name: 'flood' }, (t) =>
        subscriber.queue.attach(t),
      );
      const c = child;
      await waitFor(() => c.reports.length >= 1, 'the flooding child to finish logging', 120_000);
      // The parent holds at most capacity + one window (+ one batch), however much the child logged.
      expect(subscriber.queue.length).toBeLessThanOrEqual(capacity + window + 256);
      expect(subscriber.queue.stats.received).toBeLessThanOrEqual(capacity + window + 256);
      const { stats } = c.reports[0] as { stats: { dropped: number; sent: number } };
      expect(stats.dropped).toBeGreaterThan(150_000);
      await c.exited;
      const final = c.reports.find((m) => 'result' in (m as object)) as {
        result: { flushed: boolean; dropped: number; sent: number };
      };
      // Nothing vanished silently: every record was sent or counted as dropped.
      expect(final.result.flushed).toBe(false);
      expect(final.result.sent + final.result.dropped).toBe(200_000);
      // Once the parent reads, what was queued is all there, in order.
      const records = await collect(subscriber, () => false, 2_000);
      expect(records.length).toBe(final.result.sent);
      expect(records.map((r) => r.args[0]).findIndex((s, i) => s !== i)).toBe(-1);
    } finally {
      await subscriber.close();
    }
  },
);
