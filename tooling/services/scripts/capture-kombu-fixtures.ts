/**
 * Captures the messages that Python Logbook's `MessageQueueHandler` writes
 * through kombu, as the brokers store them, into
 * `packages/core/test/fixtures/kombu-logbook.json`: the fixture of core's
 * kombu envelope tests (`packages/core/test/kombu-envelope.test.ts`).
 *
 * For Redis (kombu's virtual transport: one JSON envelope per record, LPUSHed
 * on the list named after the queue), MongoDB (the same envelope in the
 * `payload` of a `messages` document) and RabbitMQ (the body as is, kombu's
 * envelope in the AMQP message properties), it starts a server of its own,
 * lets Logbook log the records of {@link PY_CAPTURE} with the body encodings
 * kombu offers, then reads the stored messages raw (Python: redis-py, pymongo,
 * py-amqp `basic_get`) beside the dicts Logbook exported.
 *
 * Run it again after a Logbook or kombu upgrade:
 *   pnpm --filter @logq/services exec tsx scripts/capture-kombu-fixtures.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrokerServer, runPython, startFerretDB, startRabbitMQ, startRedis } from '../src/index.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '../../../packages/core/test/fixtures/kombu-logbook.json');

/**
 * argv: transport (redis, mongodb, amqp), kombu URI, queue. Logs the records
 * through Logbook's MessageQueueHandler, then prints one JSON object: the
 * versions, the dicts Logbook exported and the messages as stored.
 */
const PY_CAPTURE = String.raw`
import base64, json, sys
from importlib.metadata import version
import logbook
from logbook.queues import MessageQueueHandler

transport, uri, queue = sys.argv[1], sys.argv[2], sys.argv[3]
exported = []

class RecordingHandler(MessageQueueHandler):
    def export_record(self, record):
        d = super().export_record(record)
        exported.append(d)
        return d

handler = RecordingHandler(uri, queue=queue)
log = logbook.Logger('kombu fixture ünïcode')
with handler.applicationbound():
    log.warning('Hello {0} and {name}: 日本語 🎉', 'wörld', name='ñame')
    log.info('plain ascii')
    log.error('a long one: ' + 'ü' * 500)
    try:
        {}['missing key ☃']
    except KeyError:
        log.exception('failed with {0}', 'an exception')
handler.close()

def text(raw):
    return raw.decode('utf-8') if isinstance(raw, (bytes, bytearray)) else raw

messages = []
if transport == 'redis':
    import redis
    client = redis.Redis.from_url(uri.replace('redis://', 'redis://', 1))
    # LPUSH then RPOP: the oldest message is the last of the list.
    messages = [{'stored': text(raw)} for raw in reversed(client.lrange(queue, 0, -1))]
elif transport == 'mongodb':
    import pymongo
    client = pymongo.MongoClient(uri)
    db = client.get_default_database()
    for doc in db['messages'].find({'queue': queue}).sort('_id', 1):
        messages.append({'stored': text(doc['payload']), 'queue': doc['queue'], 'priority': doc['priority']})
elif transport == 'amqp':
    import amqp
    from urllib.parse import urlparse
    u = urlparse(uri)
    conn = amqp.Connection(host=f'{u.hostname}:{u.port}', userid=u.username or 'guest', password=u.password or 'guest', virtual_host='/')
    conn.connect()
    ch = conn.channel()
    while True:
        msg = ch.basic_get(queue, no_ack=True)
        if msg is None:
            break
        props = dict(msg.properties)
        messages.append({
            'body_base64': base64.b64encode(msg.body if isinstance(msg.body, bytes) else msg.body.encode('utf-8')).decode('ascii'),
            'properties': {
                'content_type': props.get('content_type'),
                'content_encoding': props.get('content_encoding'),
                'headers': props.get('application_headers', {}),
                'delivery_mode': props.get('delivery_mode'),
                'priority': props.get('priority'),
            },
        })
    conn.close()

print(json.dumps({
    'transport': transport,
    'queue': queue,
    'versions': {'logbook': version('logbook'), 'kombu': version('kombu'), 'python': sys.version.split()[0]},
    'exported': exported,
    'messages': messages,
}))
`;

async function capture(transport: string, uri: string): Promise<unknown> {
  const result = await runPython(PY_CAPTURE, { args: [transport, uri, 'logging'], timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`capture on ${transport} failed (${result.code}):\n${result.stderr}`);
  const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`capture on ${transport} printed nothing:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(line) as unknown;
}

async function withServer<T>(start: () => Promise<BrokerServer>, fn: (server: BrokerServer) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await fn(server);
  } finally {
    await server.dispose();
  }
}

const captures = [
  await withServer(startRedis, (s) => capture('redis', `${s.url.replace(/\/+$/, '')}/0`)),
  await withServer(startFerretDB, (s) => capture('mongodb', `${s.url.replace(/\/+$/, '')}/kombu_fixture`)),
  await withServer(startRabbitMQ, (s) => capture('amqp', `${s.url.replace(/\/+$/, '')}//`)),
];
writeFileSync(
  out,
  `${JSON.stringify(
    {
      about:
        'Messages written by Python Logbook MessageQueueHandler through kombu, as stored by each broker; made by tooling/services/scripts/capture-kombu-fixtures.ts',
      captures,
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${out}`);
