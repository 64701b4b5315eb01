// Entry of the scale suite's child processes: `scale-child-main.ts producer|consumer <spec JSON>`.
import { runConsumer, runProducer } from './scale-child.js';
import { loadTransport } from './scale-transports.js';
import type { Spec } from './scale-types.js';

const role = process.argv[2] as 'producer' | 'consumer';
const spec = JSON.parse(process.argv[3]!) as Spec;
const transport = await loadTransport[spec.transport]();
if (role === 'producer') await runProducer(transport, spec);
else await runConsumer(transport, spec);
// Exit as the event loop empties (a closed ZeroMQ socket sends what it holds first, within its linger); a
// child that something keeps alive is ended after two minutes.
process.disconnect?.();
setTimeout(() => process.exit(0), 120_000).unref();
