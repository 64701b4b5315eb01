/**
 * A password in the URI never shows: not in util.inspect (any depth, hidden
 * properties), JSON.stringify or String() of a handler, a subscriber or their
 * target, and not in the errors they report (whole cause chain), whether
 * connected, refused by the server (a real authentication failure: FerretDB
 * refuses SCRAM), or failing to reach a closed port.
 */
import { inspect } from 'node:util';
import { numberedRecord, waitFor } from '@logq/core/testing';
import { MongoHandler, MongoSubscriber } from '../src/index.js';
import { freshName, serverForThisFile } from './helpers.js';

const server = serverForThisFile();

const PASSWORD = 's3cret-pw';

/** Every way an object can be printed. */
function printed(value: unknown): string[] {
  const out = [inspect(value, { depth: Infinity, showHidden: true }), inspect(value), String(value)];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch (error) {
    out.push(String(error));
  }
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? '');
    for (let cause = value.cause; cause; cause = cause instanceof Error ? cause.cause : undefined)
      out.push(...printed(cause));
  }
  return out;
}

function expectHidden(values: readonly unknown[], secrets: readonly string[] = [PASSWORD]): void {
  for (const value of values) {
    for (const text of printed(value)) for (const secret of secrets) expect(text).not.toContain(secret);
  }
}

/** The test server's URI with user and password. */
const withPassword = (database: string, password = PASSWORD, query = ''): string =>
  server.urlFor(database).replace('mongodb://', `mongodb://logq:${password}@`) + query;

it('connected (FerretDB accepts PLAIN): handler, subscriber and target never show the password', async () => {
  const database = freshName('secret');
  const uri = withPassword(database, PASSWORD, '?authMechanism=PLAIN');
  const handler = new MongoHandler(uri);
  const subscriber = new MongoSubscriber(uri);
  handler.handle(numberedRecord(1));
  await handler.flush();
  expect((await subscriber.recv(10_000))?.extra.seq).toBe(1);
  expect(handler.target.uri).toContain('logq:***@');
  expectHidden([handler, subscriber, handler.target, subscriber.target, handler.stats]);
  expect(() => JSON.stringify([handler, subscriber])).not.toThrow();
  await handler.close();
  await subscriber.close();
  expectHidden([handler, subscriber]);
  await server.client.db(database).dropDatabase();
}, 60_000);

it('a real authentication failure (SCRAM refused) is reported without the password', async () => {
  const database = freshName('secret');
  const uri = withPassword(database);
  const errors: unknown[] = [];
  const onError = (error: unknown): void => void errors.push(error);
  const handler = new MongoHandler(uri, { onError, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
  const subscriber = new MongoSubscriber(uri, { onError });
  handler.handle(numberedRecord(1));
  const received = subscriber.recv(3_000);
  await waitFor(() => errors.length >= 2, 'errors from both', 30_000);
  expect(await received).toBeNull();
  // The server's own refusal is in the chain: this is an authentication failure, not a network error.
  expect(inspect(errors, { depth: Infinity })).toMatch(
    /AuthenticationFailed|Authentication failed|authentication mechanism/,
  );
  expectHidden([...errors, handler, subscriber]);
  expect((await handler.close({ timeoutMs: 100 })).dropped).toBe(1);
  await subscriber.close();
  expectHidden([...errors, handler, subscriber]);
}, 60_000);

it('a connection error to a closed port, with a percent-encoded password, is reported without it', async () => {
  const errors: unknown[] = [];
  const onError = (error: unknown): void => void errors.push(error);
  // 'p@ss/w0rd!' encoded in the URI: neither form may show.
  const uri = 'mongodb://logq:p%40ss%2Fw0rd!@127.0.0.1:9/absent';
  const clientOptions = { serverSelectionTimeoutMS: 300 };
  const handler = new MongoHandler(uri, { onError, clientOptions, reconnect: { initialDelayMs: 20, maxDelayMs: 50 } });
  const subscriber = new MongoSubscriber(uri, { onError, clientOptions });
  handler.handle(numberedRecord(1));
  expect(await subscriber.recv(2_000)).toBeNull();
  await waitFor(() => errors.length >= 2, 'errors from both', 30_000);
  expectHidden([...errors, handler, subscriber, handler.target], ['p%40ss%2Fw0rd!', 'p@ss/w0rd!']);
  await handler.close({ timeoutMs: 100 });
  await subscriber.close();
}, 60_000);
