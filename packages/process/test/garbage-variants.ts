// The forms a garbage frame takes on a channel, shared by the fuzz test and its worker-thread sender.
import { type GarbageFrame, garbageFrames } from '@logq/core/testing';

/** The seeded garbage of the fuzz tests. */
export const FUZZ = { seed: 12_345, count: 20_000 } as const;

/**
 * Each garbage frame as the channel can carry it: as raw bytes (a thread's channel clones them) or
 * as text (what a process channel carries), and, when the text parses, the parsed value (what a
 * process channel hands over after its own JSON parse). Deeply nested values are left out of the
 * parsed form: neither JSON nor the structured clone can carry them (the sender's stack
 * overflows), so no peer can send them.
 */
export function* garbageVariants(options: {
  bytes: boolean;
}): Generator<{ readonly kind: GarbageFrame['kind']; readonly frame: unknown; readonly text: string | Buffer }> {
  for (const { kind, data } of garbageFrames(FUZZ)) {
    const text = data.toString('utf8');
    yield options.bytes ? { kind, frame: data, text: data } : { kind, frame: text, text };
    if (kind === 'deep-nesting') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    yield { kind, frame: value, text };
  }
}
