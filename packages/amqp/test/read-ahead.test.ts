import { ReadAheadWindow } from '../src/read-ahead.js';

const MiB = 1024 * 1024;

describe('ReadAheadWindow (prefetch by count kept within a byte budget)', () => {
  it('starts at budget / maxRecordBytes, at most the configured count', () => {
    expect(new ReadAheadWindow(256, 32 * MiB, MiB).current).toBe(32);
    expect(new ReadAheadWindow(16, 32 * MiB, MiB).current).toBe(16);
    expect(new ReadAheadWindow(256, 32 * MiB, 64 * MiB).current).toBe(1);
  });

  it('shrinks after a large message and grows back after `configured` messages in a row that fit', () => {
    const window = new ReadAheadWindow(8, 32 * MiB, MiB);
    expect(window.current).toBe(8);
    expect(window.observe(1000)).toBeNull();
    expect(window.observe(MiB / 2)).toBeNull();
    expect(window.observe(MiB)).toBeNull();
    const large = new ReadAheadWindow(8, 32 * MiB, 16 * MiB);
    expect(large.current).toBe(2);
    expect(large.observe(12 * MiB)).toBeNull();
    expect(large.observe(5 * MiB)).toBeNull();
    // Over maxRecordBytes: set aside, nothing worth reading ahead.
    expect(window.observe(2 * MiB)).toBe(1);
    for (let i = 0; i < 7; i++) expect(window.observe(1000)).toBeNull();
    expect(window.observe(5 * MiB)).toBeNull(); // does not fit 8: the count starts again
    for (let i = 0; i < 7; i++) expect(window.observe(1000)).toBeNull();
    expect(window.observe(1000)).toBe(8);
    expect(window.observe(20 * MiB)).toBe(1);
    window.reset();
    expect(window.current).toBe(8);
  });
});
