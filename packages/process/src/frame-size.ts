import { frameBytes } from '@logq/core/transport';

/**
 * The size of a frame as JSON text, in bytes, counted only as far as needed:
 * the exact UTF-8 size for text and bytes; for a dict the channel already
 * parsed, an estimate of its JSON text (string lengths, keys, numbers),
 * walked without recursion (deep nesting cannot overflow the stack) and
 * stopped as soon as it passes `limit`.
 * @returns the size, or a number over `limit` as soon as it is known to be over.
 */
export function frameSizeUpTo(frame: unknown, limit: number): number {
  if (typeof frame === 'string') return frame.length * 3 <= limit ? frame.length : frameBytes(frame);
  if (frame instanceof Uint8Array) return frame.byteLength;
  // The top level inline (a record's fields are mostly strings and numbers); nested values on a stack.
  let size = 2;
  let stack: unknown[] | null = null;
  for (const key in frame as Record<string, unknown>) {
    const value = (frame as Record<string, unknown>)[key];
    size += key.length + 4;
    if (typeof value === 'string') size += value.length;
    else if (typeof value === 'object' && value !== null) (stack ??= []).push(value);
    else size += 5;
  }
  if (size > limit || stack === null) return size;
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') size += value.length + 2;
    else if (typeof value !== 'object' || value === null) size += 5;
    else if (Array.isArray(value)) {
      size += 2 + value.length;
      for (let i = 0; i < value.length; i++) stack.push(value[i]);
    } else {
      size += 2;
      for (const key in value) {
        size += key.length + 4;
        stack.push((value as Record<string, unknown>)[key]);
      }
    }
    if (size > limit) return size;
  }
  return size;
}
