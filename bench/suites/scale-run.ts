// One run of the scale suite: fork the consumers and producers of one path, start the clock once every one
// is connected, stop when the consumers have every record, and gather their reports.
import { randomBytes } from 'node:crypto';
import { freePort } from '@logq/services';
import { launch } from './scale-child.js';
import type { ChildHandle, Impl, Report, Spec, Transport, TransportName } from './scale-types.js';

/** What one run measured. */
export interface RunResult {
  /** Records timed (the first record of each producer, sent before the clock, not counted). */
  readonly n: number;
  readonly seconds: number;
  /** Records per second, from "go" to the last record taken. */
  readonly rate: number;
  /** CPU µs per record: every producer's, every consumer's. */
  readonly producerUs: number;
  readonly consumerUs: number;
  /** Peak RSS, in MiB: the largest producer's, the largest consumer's. */
  readonly producerRss: number;
  readonly consumerRss: number;
  /** RSS at "ready" (the process before the run), the largest of any child, in MiB. */
  readonly readyRss: number;
}

/** What a run is asked to do. */
export interface RunSpec {
  readonly transport: TransportName;
  readonly impl: Impl;
  readonly url: string;
  readonly pad: number;
  readonly bytes: number;
  readonly n: number;
  readonly producers: number;
  readonly consumers: number;
}

/** A run gives up after this long without a record taken (to fail instead of hanging). */
const STALL_MS = 30_000;

const now = (): number => performance.timeOrigin + performance.now();

export async function runOnce(transport: Transport, run: RunSpec): Promise<RunResult> {
  const key = `scale-${run.transport}-${run.impl}-${randomBytes(4).toString('hex')}`;
  const url = run.transport === 'zeromq' ? `tcp://127.0.0.1:${await freePort()}` : run.url;
  const perProducer = Math.ceil(run.n / run.producers);
  const spec: Spec = {
    transport: run.transport,
    impl: run.impl,
    url,
    key,
    pad: run.pad,
    bytes: run.bytes,
    perProducer,
    producers: run.producers,
    consumers: run.consumers,
    index: 0,
  };
  const expected = run.producers * (perProducer + 1);
  const children: ChildHandle[] = [];
  try {
    // Every child starts at once (the process transport's consumer forks its own producers); the clock
    // starts when all are connected.
    const consumers = Array.from({ length: run.consumers }, (_, index) => launch('consumer', { ...spec, index }));
    const producers =
      run.transport === 'process'
        ? []
        : Array.from({ length: run.producers }, (_, index) => launch('producer', { ...spec, index }));
    children.push(...consumers, ...producers);
    await Promise.all(children.map((c) => c.ready));
    const start = now();
    for (const c of children) c.send({ scale: 'go' });
    const all = Promise.all(children.map((c) => c.done));
    // Watch the consumers' counts: stop shared consumers once they have every record; fail on a stall.
    let seen = -1;
    let seenAt = now();
    for (;;) {
      const settled = await Promise.race([all.then(() => true), new Promise((r) => setTimeout(() => r(false), 20))]);
      if (settled) break;
      const taken = consumers.reduce((sum, c) => sum + c.count(), 0);
      if (run.consumers > 1 && taken >= expected) for (const c of consumers) c.send({ scale: 'stop' });
      if (taken !== seen) {
        seen = taken;
        seenAt = now();
      } else if (now() - seenAt > STALL_MS) {
        throw new Error(`${run.transport}/${run.impl}: stalled at ${taken} of ${expected} records`);
      }
    }
    const reports: Report[] = (await all).flat();
    const ofRole = (role: Report['role']) => reports.filter((r) => r.role === role);
    const taken = ofRole('consumer').reduce((sum, r) => sum + r.count, 0);
    if (taken !== expected) throw new Error(`${run.transport}/${run.impl}: consumers took ${taken} of ${expected}`);
    const end = Math.max(...ofRole('consumer').map((r) => r.lastAt));
    const n = run.producers * perProducer;
    const seconds = (end - start) / 1000;
    const cpu = (role: Report['role']) => ofRole(role).reduce((sum, r) => sum + r.cpuUs, 0) / n;
    const rss = (role: Report['role']) => Math.max(...ofRole(role).map((r) => r.peakRssMiB));
    return {
      n,
      seconds,
      rate: n / seconds,
      producerUs: cpu('producer'),
      consumerUs: cpu('consumer'),
      producerRss: rss('producer'),
      consumerRss: rss('consumer'),
      readyRss: Math.max(...reports.map((r) => r.readyRssMiB)),
    };
  } catch (error) {
    for (const c of children) c.process.kill();
    throw error;
  } finally {
    await transport.cleanup(url, key).catch(() => undefined);
  }
}
