import { startFerretDB } from './ferretdb.js';
import { startRabbitMQ } from './rabbitmq.js';
import { startRedis } from './redis.js';
import type { BrokerServer, ServerOptions } from './server.js';

/** A broker for an ordinary test: one given by LOGQ_*_URL, or one started for it. */
export interface UsedService {
  readonly url: string;
  readonly port: number;
  /** true when started here (stop() disposes it); false when it came from LOGQ_*_URL. */
  readonly owned: boolean;
  /** The server when owned (for fault tests that stop/start it), else null. */
  readonly server: BrokerServer | null;
  /** Disposes an owned server (stops it, removes its folder); no-op for an external one. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DEFAULT_PORTS: Record<string, number> = {
  'redis:': 6379,
  'rediss:': 6379,
  'amqp:': 5672,
  'amqps:': 5671,
  'mongodb:': 27017,
};

function portOf(url: string): number {
  try {
    const parsed = new URL(url);
    if (parsed.port !== '') return Number(parsed.port);
    return DEFAULT_PORTS[parsed.protocol] ?? 0;
  } catch {
    return 0;
  }
}

function external(url: string): UsedService {
  const noop = async (): Promise<void> => {};
  return { url, port: portOf(url), owned: false, server: null, stop: noop, [Symbol.asyncDispose]: noop };
}

function owned(server: BrokerServer): UsedService {
  const stop = (): Promise<void> => server.dispose();
  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    owned: true,
    server,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function use(envVar: string, start: () => Promise<BrokerServer>): Promise<UsedService> {
  const url = process.env[envVar];
  if (url !== undefined && url.trim() !== '') return external(url.trim());
  // A missing binary throws ServiceNotInstalledError (naming `pnpm services:install`):
  // with or without CI=true, a missing broker fails the test, never skips it.
  return owned(await start());
}

/** Redis for a test: LOGQ_REDIS_URL when set, else a fresh redis-server. */
export function useRedis(opts: ServerOptions = {}): Promise<UsedService> {
  return use('LOGQ_REDIS_URL', () => startRedis(opts));
}

/** RabbitMQ for a test: LOGQ_AMQP_URL when set, else a fresh node (~6-15 s to start). */
export function useRabbitMQ(opts: ServerOptions = {}): Promise<UsedService> {
  return use('LOGQ_AMQP_URL', () => startRabbitMQ(opts));
}

/** A MongoDB-compatible server for a test: LOGQ_MONGO_URL when set, else a fresh FerretDB. */
export function useFerretDB(opts: ServerOptions = {}): Promise<UsedService> {
  return use('LOGQ_MONGO_URL', () => startFerretDB(opts));
}
