import { TransportNotFoundError } from './errors.js';
import { shared } from './global-state.js';
import { redactUri } from './redact.js';
import type { Handler } from './handler.js';
import type { SubscriberBase } from './subscriber.js';

/** Options passed through to a transport's handler or subscriber. */
export type TransportOptions = Readonly<Record<string, unknown>>;

/**
 * What a transport package registers for its URI schemes. `H` and `S` are the
 * options its handler and subscriber take: `createHandler(uri, options)` hands
 * the caller's options object to the factory as given (`{}` when omitted), so
 * every option should be optional.
 */
export interface TransportFactory<H extends object = TransportOptions, S extends object = H> {
  /** The npm package that provides it, named in errors. */
  readonly packageName: string;
  /** Makes a handler for `uri`. */
  createHandler(uri: string, options: H): Handler;
  /** Makes a subscriber for `uri`. */
  createSubscriber(uri: string, options: S): SubscriberBase;
}

const registered = shared('transports', () => new Map<string, TransportFactory>());

/** Schemes of logq's own transports and the package each is in. */
const KNOWN_PACKAGES: Readonly<Record<string, string>> = {
  tcp: '@logq/zeromq',
  ipc: '@logq/zeromq',
  inproc: '@logq/zeromq',
  pgm: '@logq/zeromq',
  epgm: '@logq/zeromq',
  amqp: '@logq/amqp',
  amqps: '@logq/amqp',
  redis: '@logq/redis',
  rediss: '@logq/redis',
  mongodb: '@logq/mongo',
  'mongodb+srv': '@logq/mongo',
  'stream+tcp': '@logq/process',
  'stream+unix': '@logq/process',
};

/**
 * Registers a transport for URI schemes (without `://`). logq's transport
 * packages register themselves when imported; a third-party package does the
 * same.
 */
export function registerTransport<H extends object = TransportOptions, S extends object = H>(
  schemes: readonly string[],
  factory: TransportFactory<H, S>,
): void {
  for (const scheme of schemes) registered.set(scheme.toLowerCase(), factory as unknown as TransportFactory);
}

/** The scheme of a URI, lower-cased (`amqp` for `amqp://...`). */
export function uriScheme(uri: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(uri);
  if (!m) throw new TransportNotFoundError(`not a URI: ${JSON.stringify(redactUri(uri))}`);
  return m[1]!.toLowerCase();
}

async function resolve(uri: string): Promise<TransportFactory> {
  const scheme = uriScheme(uri);
  const found = registered.get(scheme);
  if (found) return found;
  const packageName = KNOWN_PACKAGES[scheme];
  if (!packageName) {
    throw new TransportNotFoundError(
      `no logq transport handles "${scheme}://" URIs: install the package that provides it (third-party transports are ` +
        `named like logq-transport-${scheme}: \`npm install logq-transport-${scheme}\`) and import it once before ` +
        `createHandler/createSubscriber (\`import 'logq-transport-${scheme}'\`), or register one with registerTransport()`,
    );
  }
  try {
    await import(packageName);
  } catch (cause) {
    throw new TransportNotFoundError(
      `"${scheme}://" URIs need the ${packageName} package: install it with \`npm install ${packageName}\``,
      { cause },
    );
  }
  const loaded = registered.get(scheme);
  if (!loaded) throw new TransportNotFoundError(`${packageName} was loaded but did not register "${scheme}://"`);
  return loaded;
}

/**
 * Makes a handler for a URI with the transport package that handles its
 * scheme (`tcp://` → @logq/zeromq, `amqp://` → @logq/amqp, `redis://` →
 * @logq/redis, `mongodb://` → @logq/mongo, or a registered third party).
 * @throws {TransportNotFoundError} naming the package to install.
 */
export async function createHandler(uri: string, options: TransportOptions = {}): Promise<Handler> {
  return (await resolve(uri)).createHandler(uri, options);
}

/** Makes a subscriber for a URI; see {@link createHandler}. */
export async function createSubscriber(uri: string, options: TransportOptions = {}): Promise<SubscriberBase> {
  return (await resolve(uri)).createSubscriber(uri, options);
}
