// A subscriber that dispatches `dispatchBeforeDeath` records, then dies
// (SIGKILL to itself) in the middle of its batch.
import { Handler, type LogRecord } from '@logq/core';
import { RedisSubscriber } from '../../src/index.js';

const [url, key, consumer, dispatchBeforeDeath, mode = 'stream'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  ('list' | 'stream')?,
];
let count = 0;

class Recorder extends Handler {
  emit(record: LogRecord): void {
    process.stdout.write(`${String(record.extra.seq)}\n`);
    if (++count >= Number(dispatchBeforeDeath)) process.kill(process.pid, 'SIGKILL');
  }
}

const subscriber = new RedisSubscriber(url, { key, mode, consumer, batchSize: 100, format: 'logq' });
process.stdout.write('ready\n');
void subscriber.dispatchInBackground(new Recorder());
