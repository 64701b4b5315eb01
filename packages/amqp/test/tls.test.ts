/**
 * amqps:// against a real RabbitMQ TLS listener: a node of our own, restarted
 * with a TLS listener and a certificate signed by a throwaway CA (openssl).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberedRecord, waitFor } from '@logq/core/testing';
import { type RabbitMQServer, freePort, startRabbitMQ, waitForPort } from '@logq/services';
import { MessageQueueHandler, MessageQueueSubscriber } from '../src/index.js';
import { closer, errorSink, freshQueue } from './helpers.js';

let server: RabbitMQServer;
let tlsUrl: string;
let ca: string;
const track = closer();

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and a server certificate for localhost / 127.0.0.1, in `dir`. */
function makeCertificates(dir: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=logq test CA',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ],
    dir,
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'],
    dir,
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName = DNS:localhost, IP:127.0.0.1\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'san.ext',
      '-out',
      'server.pem',
    ],
    dir,
  );
  for (const file of ['ca.pem', 'server.pem', 'server.key']) chmodSync(join(dir, file), 0o644); // readable by the node's user
}

beforeAll(async () => {
  server = await startRabbitMQ();
  makeCertificates(server.dir);
  const tlsPort = await freePort();
  await server.stop();
  const conf = join(server.dir, 'rabbitmq.conf');
  const base = readFileSync(conf, 'utf8').replace(/^listeners\.ssl = none\n/m, '');
  writeFileSync(
    conf,
    `${base}listeners.ssl.1 = 127.0.0.1:${tlsPort}
ssl_options.cacertfile = ${join(server.dir, 'ca.pem')}
ssl_options.certfile = ${join(server.dir, 'server.pem')}
ssl_options.keyfile = ${join(server.dir, 'server.key')}
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
`,
  );
  await server.start();
  await waitForPort(tlsPort, 60_000);
  tlsUrl = `amqps://guest:guest@localhost:${tlsPort}//`;
  ca = readFileSync(join(server.dir, 'ca.pem'), 'utf8');
}, 240_000);

afterEach(() => track.closeAll());

afterAll(async () => {
  await server?.dispose();
}, 60_000);

describe('amqps:// (TLS)', () => {
  it('round-trips records over TLS, verifying the broker against the given CA', async () => {
    const queue = freshQueue('logq-tls');
    const handler = track.add(new MessageQueueHandler(tlsUrl, { queue, tls: { ca } }));
    const subscriber = track.add(new MessageQueueSubscriber(tlsUrl, { queue, tls: { ca, servername: 'localhost' } }));
    await subscriber.connect();
    for (let i = 0; i < 100; i++) handler.handle(numberedRecord(i, 'tls'));
    await handler.flush();
    for (let i = 0; i < 100; i++) expect((await subscriber.recv(15_000))?.extra.seq).toBe(i);
    expect(handler.stats.errors).toBe(0);
  }, 60_000);

  it('refuses a broker certificate it cannot verify, and says so without the password', async () => {
    const secret = 'tls-s3cret';
    const sink = errorSink();
    const url = tlsUrl.replace('guest:guest@', `guest:${secret}@`);
    const handler = track.add(
      new MessageQueueHandler(url, {
        queue: freshQueue('logq-tls'),
        tls: {},
        onError: sink.hook,
        reconnect: { initialDelayMs: 200 },
      }),
    );
    handler.handle(numberedRecord(1));
    await waitFor(() => sink.errors.length > 0, 'the TLS error', 30_000);
    expect(sink.text()).toMatch(/certificate/i);
    expect(sink.text()).not.toContain(secret);
    expect(handler.stats.sent).toBe(0);
  }, 60_000);

  it('accepts an unverified certificate with rejectUnauthorized: false', async () => {
    const queue = freshQueue('logq-tls');
    const handler = track.add(new MessageQueueHandler(tlsUrl, { queue, tls: { rejectUnauthorized: false } }));
    const subscriber = track.add(new MessageQueueSubscriber(tlsUrl, { queue, tls: { rejectUnauthorized: false } }));
    handler.handle(numberedRecord(5, 'tls'));
    await handler.flush();
    expect((await subscriber.recv(15_000))?.extra.seq).toBe(5);
  }, 60_000);
});
