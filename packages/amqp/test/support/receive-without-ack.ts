// Child process of the fault test: receives one record, prints it, and never
// acknowledges it; the test kills this process with SIGKILL.
import { MessageQueueSubscriber } from '../../src/index.js';

async function main(): Promise<void> {
  const [url, queue] = process.argv.slice(2) as [string, string];
  const subscriber = new MessageQueueSubscriber(url, { queue, prefetch: 1 });
  const delivery = await subscriber.receive(60_000);
  process.stdout.write(`${JSON.stringify({ seq: delivery?.record.extra.seq ?? null })}\n`);
  setInterval(() => {}, 60_000); // wait for the kill, never ack
}

void main();
