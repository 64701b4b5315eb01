import { resolveReadAheadBytes } from '../src/options.js';

describe('MongoSubscriber options', () => {
  it('readAheadBytes, with maxReadAheadBytes as its deprecated alias', () => {
    expect(resolveReadAheadBytes({})).toBe(16 * 1024 * 1024);
    expect(resolveReadAheadBytes({ readAheadBytes: 1000 })).toBe(1000);
    expect(resolveReadAheadBytes({ maxReadAheadBytes: 2000 })).toBe(2000);
    expect(resolveReadAheadBytes({ readAheadBytes: 1000, maxReadAheadBytes: 2000 })).toBe(1000);
    expect(resolveReadAheadBytes({ readAheadBytes: 0 })).toBe(1);
  });
});
