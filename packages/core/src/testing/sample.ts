import { DEFAULT_MAX_RECORD_BYTES } from '../codec.js';
import { Level } from '../levels.js';
import { LogRecord } from '../record.js';

/** A record with every field set: unicode, nested extra, args, kwargs, exception, microsecond time. */
export function sampleRecord(overrides: { msg?: string; channel?: string; level?: number } = {}): LogRecord {
  const error = new TypeError('bad thing ü — ☃');
  const record = new LogRecord({
    channel: overrides.channel ?? 'logq.conformance ünïcødé ✓',
    level: overrides.level ?? Level.WARNING,
    msg: overrides.msg ?? 'Hello {0} and {name}: {1:.2f} — äöü 日本語 🎉',
    args: ['wörld', 3.14159, true, null, { nested: [1, 'two', { three: 3 }] }],
    kwargs: { name: 'ñame', count: 7 },
    extra: { request_id: 'req-1', nested: { deep: { list: [1, 2, { x: 'y' }] } }, emoji: '🎉', empty: {} },
    error,
    timeMicros: 1_764_087_806_073_111,
    callsite: { funcName: 'handle_request', filename: '/srv/app/handlers.ts', module: 'handlers', lineno: 42 },
  });
  record.frameCorrection = 0;
  return record;
}

/** A small record carrying a sequence number in `args[0]` and `extra.seq`. */
export function numberedRecord(seq: number, channel = 'logq.burst'): LogRecord {
  return new LogRecord({ channel, level: Level.INFO, msg: 'record {0}', args: [seq], extra: { seq } });
}

/** A record whose encoded frame is just under `limitBytes` (msg and message each carry half). */
export function bigRecord(limitBytes = DEFAULT_MAX_RECORD_BYTES): LogRecord {
  const unicode = 'äöü€'.repeat(2_000); // 2 + 2 + 2 + 3 bytes, 18 KB
  const fill = Math.floor((limitBytes * 0.97) / 2) - Buffer.byteLength(unicode) - 2_000;
  return new LogRecord({ channel: 'logq.big', level: Level.INFO, msg: `${unicode}${'x'.repeat(fill)}` });
}
