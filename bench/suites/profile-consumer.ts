// A subscriber alone, for the "what bounds it" write-ups in RESULTS.md: the records are queued first
// (Redis: pushed into the list; ZeroMQ: sent by a raw PUSH child as multipart messages of 256 frames), then
// the consumer's CPU per record is measured, logq beside raw doing the same reading, 3 rounds alternating;
// the last round of each is profiled (V8's sampling profiler) and its self time printed by function.
//
//   node --import tsx --expose-gc suites/profile-consumer.ts redis [records]
//   node --import tsx --expose-gc suites/profile-consumer.ts zeromq [records]
//   node --import tsx suites/profile-consumer.ts push <uri> <records>   (the ZeroMQ producer child)
//
// Profiles are written to $LOGQ_PROFILE_DIR (default /tmp/logq-profiles) as <transport>-<consumer>.cpuprofile.
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedisSubscriber } from '@logq/redis';
import { useRedis } from '@logq/services';
import { ZeroMQSubscriber } from '@logq/zeromq';
import { createClient, type RedisClientType } from 'redis';
import * as zmq from 'zeromq';
import { CountUntil, cpuSince, fmt, sampleJson } from './lib.js';

const PROFILE_DIR = process.env.LOGQ_PROFILE_DIR ?? '/tmp/logq-profiles';
const ROUNDS = 3;
const BATCH = 256;

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time by function, largest first, as lines "ms  %  function file:line". */
function selfTimes(profile: CpuProfile, top = 20): string[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${fmt(us / 1000, 1).padStart(9)} ms ${fmt((100 * us) / total, 1).padStart(5)} %  ${key}`);
}

/** Runs `consume` for each consumer, ROUNDS times alternating, profiling the last round; prints CPU µs/record. */
async function measure(
  transport: string,
  n: number,
  consumers: readonly string[],
  /** Reads the queued records; calls `begin()` once they are queued, right before its clock starts. */
  consume: (consumer: string, round: number, begin: () => Promise<void>) => Promise<{ cpuUs: number }>,
): Promise<void> {
  const session = new Session();
  session.connect();
  mkdirSync(PROFILE_DIR, { recursive: true });
  const cpu = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const consumer of consumers) {
      (globalThis as { gc?: () => void }).gc?.();
      const last = round === ROUNDS - 1;
      const begin = async (): Promise<void> => {
        if (!last) return;
        await session.post('Profiler.enable');
        await session.post('Profiler.start');
      };
      const { cpuUs } = await consume(consumer, round, begin);
      if (last) {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(join(PROFILE_DIR, `${transport}-${consumer}.cpuprofile`), JSON.stringify(profile));
        console.log(`\n${transport} ${consumer}, round ${round + 1}: self time by function`);
        for (const line of selfTimes(profile as unknown as CpuProfile)) console.log(line);
      }
      cpu.set(consumer, [...(cpu.get(consumer) ?? []), cpuUs / n]);
    }
  }
  console.log(`\n${transport}: consumer CPU µs per record, ${fmt(n)} records, rounds 1–${ROUNDS}`);
  for (const [consumer, runs] of cpu) console.log(`${consumer.padEnd(10)} ${runs.map((r) => fmt(r, 2)).join(' / ')}`);
  session.disconnect();
}

/** Redis list: LPOP 1000 of pre-filled records; raw parses each, logq takes a LogRecord (recv or dispatch). */
async function redis(n: number): Promise<void> {
  const server = await useRedis();
  const client = createClient({ url: server.url }) as RedisClientType;
  await client.connect();
  try {
    await measure('redis', n, ['raw', 'recv', 'dispatch'], async (consumer, round, begin) => {
      const key = `profile-${consumer}-${round}`;
      for (let i = 0; i < n; i += 1000) {
        const values: string[] = [];
        for (let k = i; k < Math.min(n, i + 1000); k++) values.push(sampleJson(k));
        await client.rPush(key, values);
      }
      let taken = 0;
      if (consumer === 'raw') {
        await begin();
        const start = process.cpuUsage();
        while (taken < n) {
          for (const item of (await client.lPopCount(key, 1000)) ?? [])
            if ((JSON.parse(item) as { msg: string }).msg.length > 0) taken++;
        }
        return { cpuUs: cpuSince(start) };
      }
      const subscriber = new RedisSubscriber(server.url, { key, format: 'logq', batchSize: 1000 });
      // Connected, with the first record taken (untimed).
      if (await subscriber.recv(5_000)) taken++;
      await begin();
      const start = process.cpuUsage();
      if (consumer === 'recv') {
        while (taken < n) if (await subscriber.recv(5_000)) taken++;
      } else {
        const stop = new AbortController();
        const counter = new CountUntil(n - taken, () => stop.abort());
        await counter.applicationBound(() => subscriber.dispatchForever(stop.signal));
      }
      const cpuUs = cpuSince(start);
      await subscriber.close();
      return { cpuUs };
    });
  } finally {
    client.destroy();
    await server.stop();
  }
}

/** ZeroMQ PULL: multipart messages of 256 frames from a raw PUSH child; raw parses each frame, logq recv()s. */
async function zeromq(n: number): Promise<void> {
  let port = 0;
  await measure('zeromq', n, ['raw', 'recv'], async (consumer, _round, begin) => {
    const probe = new zmq.Pull();
    await probe.bind('tcp://127.0.0.1:*');
    port = Number(/:(\d+)$/.exec(probe.lastEndpoint ?? '')?.[1]);
    probe.close();
    const uri = `tcp://127.0.0.1:${port}`;
    let taken = 0;
    let start: NodeJS.CpuUsage | null = null;
    const pull = consumer === 'raw' ? new zmq.Pull({ receiveHighWaterMark: 10_000, linger: 0 }) : null;
    const subscriber = consumer === 'raw' ? null : new ZeroMQSubscriber(uri, { multi: true });
    if (pull) await pull.bind(uri);
    else await subscriber!.open();
    await begin();
    const child = fork(fileURLToPath(import.meta.url), ['push', uri, String(n)], { execArgv: ['--import', 'tsx'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // The clock starts at the first record: the child's start-up is not the consumer's work.
    if (pull) {
      while (taken < n) {
        const frames = await pull.receive();
        start ??= process.cpuUsage();
        for (const frame of frames) if ((JSON.parse(frame.toString()) as { msg: string }).msg.length > 0) taken++;
      }
      pull.close();
    } else {
      while (taken < n) {
        const record = await subscriber!.recv(5_000);
        start ??= process.cpuUsage();
        if (record?.msg) taken++;
      }
    }
    const cpuUs = cpuSince(start!);
    await subscriber?.close();
    await exited;
    return { cpuUs };
  });
}

/** The ZeroMQ producer child: raw PUSH of multipart messages of BATCH JSON frames. */
async function push(uri: string, n: number): Promise<void> {
  const socket = new zmq.Push({ sendHighWaterMark: 40, linger: 1_000 });
  socket.connect(uri);
  for (let i = 0; i < n; i += BATCH) {
    const frames: string[] = [];
    for (let k = i; k < Math.min(n, i + BATCH); k++) frames.push(sampleJson(k));
    await socket.send(frames);
  }
  socket.close();
}

const [what, a, b] = process.argv.slice(2);
if (what === 'push') await push(a!, Number(b));
else if (what === 'redis') await redis(Number(a ?? 200_000));
else if (what === 'zeromq') await zeromq(Number(a ?? 200_000));
else console.error('usage: profile-consumer.ts redis|zeromq [records]');
process.exit(0);
