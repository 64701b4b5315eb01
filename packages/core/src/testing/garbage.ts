/** Options of {@link garbageFrames}. */
export interface GarbageOptions {
  /** Seed of the generator: the same seed gives the same frames. */
  readonly seed: number;
  /** How many frames. */
  readonly count: number;
  /** Size of the oversized frames (a string over the subscriber's `maxRecordBytes`). @default 10 MiB */
  readonly hugeBytes?: number;
  /** One frame in this many is oversized (they are expensive to make and move). `0`: none. @default 5000 */
  readonly hugeEvery?: number;
}

/** What kind of garbage a frame is, for test messages. */
export type GarbageKind =
  | 'random-bytes'
  | 'truncated-json'
  | 'not-an-object'
  | 'wrong-types'
  | 'missing-keys'
  | 'deep-nesting'
  | 'proto-keys'
  | 'invalid-utf8'
  | 'empty'
  | 'huge';

/** One garbage frame: `data` as bytes (every transport can carry bytes) and its kind. */
export interface GarbageFrame {
  readonly kind: GarbageKind;
  readonly data: Buffer;
}

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = JSON.stringify({ channel: 'fuzz', level: 11, msg: 'valid {0}', args: [1], kwargs: {}, extra: {} });

const KINDS: readonly Exclude<GarbageKind, 'huge'>[] = [
  'random-bytes',
  'truncated-json',
  'not-an-object',
  'wrong-types',
  'missing-keys',
  'deep-nesting',
  'proto-keys',
  'invalid-utf8',
  'empty',
];

function make(kind: Exclude<GarbageKind, 'huge'>, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  switch (kind) {
    case 'random-bytes': {
      const b = Buffer.allocUnsafe(1 + int(512));
      for (let i = 0; i < b.length; i++) b[i] = int(256);
      return b;
    }
    case 'truncated-json':
      return Buffer.from(VALID.slice(0, 1 + int(VALID.length - 2)));
    case 'not-an-object':
      return Buffer.from(['null', '42', '"text"', '[1,2,3]', 'true', '[]', '{}'][int(7)]!);
    case 'wrong-types': {
      const bad = [
        { channel: 7, level: 11, msg: 'x' },
        { channel: 'c', level: 'high', msg: 'x' },
        { channel: 'c', level: 11, msg: 5 },
        { channel: 'c', level: 11, msg: 'x', args: 'no' },
        { channel: 'c', level: 11, msg: 'x', kwargs: [1] },
        { channel: 'c', level: 11, msg: 'x', time: 12 },
        { channel: 'c', level: 11, msg: 'x', extra: 'e' },
        { channel: 'c', level: 1e308 * 10, msg: 'x' },
      ];
      return Buffer.from(JSON.stringify(bad[int(bad.length)]));
    }
    case 'missing-keys': {
      const bad = [
        { level: 11, msg: 'x' },
        { channel: 'c', msg: 'x' },
        { channel: 'c', level: 11 },
        { properties: {}, body: 'e30=' },
      ];
      return Buffer.from(JSON.stringify(bad[int(bad.length)]));
    }
    case 'deep-nesting': {
      const depth = 1000 + int(100_000);
      return Buffer.from(`{"channel":"c","level":11,"msg":"x","extra":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    }
    case 'proto-keys':
      return Buffer.from(
        [
          '{"__proto__":{"polluted":1},"channel":"c","level":11,"msg":"x"}',
          '{"channel":"c","level":11,"msg":"x","extra":{"__proto__":{"polluted":1}}}',
          '{"constructor":{"prototype":{"polluted":1}},"channel":"c","level":11}',
        ][int(3)]!,
      );
    case 'invalid-utf8':
      return Buffer.concat([
        Buffer.from('{"channel":"c","level":11,"msg":"'),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from('"'),
      ]);
    case 'empty':
      return Buffer.alloc(0);
  }
}

/**
 * Seeded garbage for a subscriber: random bytes, truncated JSON, JSON that is not an object,
 * fields of the wrong type, missing keys, deep nesting, `__proto__` keys, invalid UTF-8, empty
 * frames and (one in `hugeEvery`) strings of `hugeBytes`. A subscriber fed these must count and skip
 * each one, never crash, and deliver the next valid record. Frames are made lazily, one at a time.
 */
export function* garbageFrames(options: GarbageOptions): Generator<GarbageFrame> {
  const rnd = seededRandom(options.seed);
  const hugeEvery = options.hugeEvery ?? 5000;
  const hugeBytes = options.hugeBytes ?? 10 * 1024 * 1024;
  for (let i = 0; i < options.count; i++) {
    if (hugeEvery > 0 && i % hugeEvery === hugeEvery - 1) {
      yield { kind: 'huge', data: Buffer.from(`{"channel":"c","level":11,"msg":"${'x'.repeat(hugeBytes)}"}`) };
    } else {
      const kind = KINDS[Math.floor(rnd() * KINDS.length)]!;
      yield { kind, data: make(kind, rnd) };
    }
  }
}
