import { ReadAheadWindow } from '../src/read-ahead.js';

const MiB = 1024 * 1024;

describe('ReadAheadWindow (prefetch by count kept within a byte budget)', () => {
  it('starts at budget / maxRecordBytes, at most the configured count', () => {
    expect(new ReadAheadWindow(256, 32 * MiB, MiB).current).toBe(32);
    expect(new ReadAheadWindow(16, 32 * MiB, MiB).current).toBe(16);
    expect(new ReadAheadWindow(256, 32 * MiB, 64 * MiB).current).toBe(1);
  });

  it('shrinks after a large message (to 1 after one over maxRecordBytes)', () => {
    const window = new ReadAheadWindow(8, 32 * MiB, 16 * MiB);
    expect(window.current).toBe(2);
    expect(window.observe(12 * MiB)).toBeNull(); // 2 of them fit
    expect(window.observe(15 * MiB)).toBeNull();
    expect(window.observe(20 * MiB)).toBe(1);
    const small = new ReadAheadWindow(256, 32 * MiB, MiB);
    expect(small.observe(MiB / 2)).toBeNull();
    expect(small.observe(MiB)).toBeNull();
    expect(small.observe(2 * MiB)).toBe(1);
  });

  it('doubles after each window of messages that fit the doubled one, up to the configured count', () => {
    const window = new ReadAheadWindow(8, 32 * MiB, 8 * MiB);
    expect(window.current).toBe(4);
    expect(window.observe(20 * MiB)).toBe(1);
    expect(window.observe(1000)).toBe(2);
    expect(window.observe(1000)).toBeNull();
    expect(window.observe(1000)).toBe(4);
    for (let i = 0; i < 3; i++) expect(window.observe(1000)).toBeNull();
    expect(window.observe(5 * MiB)).toBe(6); // 6 of those fit: the stretch's smallest fit bounds the growth
    for (let i = 0; i < 5; i++) expect(window.observe(1000)).toBeNull();
    expect(window.observe(1000)).toBe(8);
    expect(window.observe(1000)).toBeNull();
    expect(window.observe(20 * MiB)).toBe(1);
    window.reset();
    expect(window.current).toBe(4);
  });
});
