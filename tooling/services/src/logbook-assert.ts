// A subpath of its own (`@logq/services/logbook-assert`): it loads @logq/core, which
// the services entry must not (jest global set-ups load that entry before any build).
import type { LogRecord } from '@logq/core';
import { parseIsoTime } from '@logq/core/transport';
import assert from 'node:assert/strict';
import type { LogbookReceived } from './logbook-peers.js';

/**
 * Asserts that Logbook received exactly `sent`, in order: every field of each
 * dict equal, and the time the same instant. (Logbook re-formats the time
 * without zero padding, a Logbook defect: '.073111' comes out as '.73111'.)
 */
export function assertLogbookReceived(got: readonly LogbookReceived[], sent: readonly LogRecord[]): void {
  assert.equal(got.length, sent.length);
  sent.forEach((record, i) => {
    const { time: pyTime, ...pyRest } = got[i]!.dict;
    const { time: ourTime, ...ourRest } = record.toDict();
    assert.deepEqual(pyRest, ourRest, `record ${i}: fields differ`);
    assert.equal(typeof pyTime, 'string');
    assert.equal(got[i]!.time_micros, record.timeMicros, `record ${i}: time`);
    assert.equal(parseIsoTime(ourTime), record.timeMicros, `record ${i}: our time text`);
    assert.equal(got[i]!.message, record.message, `record ${i}: message`);
  });
}
