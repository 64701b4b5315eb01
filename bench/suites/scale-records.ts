// The records of the scale suite: the bench's usual record dict, grown to a target size by a string in
// `extra` (as issue 17 did: "a 16 KiB string in extra"), for logq's log calls and for the raw clients.
import { Logger, kw } from '@logq/core';
import { encodeRecord } from '@logq/core/transport';
import { captureRecord, sampleDict } from './lib.js';

/** The record sizes of the size table, in bytes of the encoded wire record (issue 17, goal 4). */
export const SIZES = [100, 1024, 16 * 1024, 256 * 1024] as const;

/** The dict a hand-written logger builds (the same fields as logq's wire record), `pad` characters in `extra.pad`. */
export function recordDict(seq: number, pad: string): Record<string, unknown> {
  return sampleDict(seq, { request_id: 'c0ffee-1234', user: 'alice', pad }, new Date().toISOString(), process.pid);
}

/** The raw clients' wire record: JSON.stringify of {@link recordDict}. */
export function rawJson(seq: number, pad: string): string {
  return JSON.stringify(recordDict(seq, pad));
}

/** A log call of logq's producers: the same message, args and extra as {@link recordDict}. */
export function logCall(pad: string): (seq: number) => void {
  const log = new Logger('bench.service');
  const extra = { request_id: 'c0ffee-1234', user: 'alice', pad };
  return (seq) => log.info('request {0} handled in {1} ms', seq, 12.5, kw({}, { extra }));
}

/** Bytes of logq's encoded wire record with a pad of `pad` characters. */
export function logqBytes(pad: number): number {
  const call = logCall('x'.repeat(pad));
  return Buffer.byteLength(encodeRecord(captureRecord(() => call(123_456))));
}

/** The pad that makes logq's wire record `target` bytes (0 when the unpadded record is larger already). */
export function padFor(target: number): number {
  return Math.max(0, target - logqBytes(0));
}

/**
 * Records between two yields to the event loop (an application yields between requests): about 512 KiB of
 * records, at most 1,024 (the other suites' chunk at ~540 B) and at least 1.
 */
export function yieldEvery(bytes: number): number {
  return Math.max(1, Math.min(1024, Math.floor((512 * 1024) / bytes)));
}

/** Yields to the event loop once. */
export const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
