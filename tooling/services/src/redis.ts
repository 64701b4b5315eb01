import { findExecutable, ServiceNotInstalledError } from './binaries.js';
import type { LaunchSpec } from './process-group.js';
import { exchange, freePort, LOOPBACK, waitUntil } from './ports.js';
import { ServerBase, type BrokerServer, type ServerOptions } from './server.js';
import { makeTempDir } from './tempdir.js';

export type RedisOptions = ServerOptions;

/** What a redis-server is started with beyond the defaults (port, bind, no persistence, dir). */
export interface RedisLaunch {
  /** A config file, passed first (sentinel needs a writable one). */
  readonly configFile?: string;
  /** More arguments, after the defaults (they win over the defaults and the file). */
  readonly args?: readonly string[];
}

/** Path of redis-server, or throws ServiceNotInstalledError. */
export function redisServerPath(): string {
  const path = findExecutable('redis-server');
  if (path === null) throw new ServiceNotInstalledError('redis-server', 'LOGQ_REDIS_URL');
  return path;
}

/** Sends PING, expects +PONG: the server is loaded and serving. */
async function pingRedis(port: number): Promise<boolean> {
  const reply = await exchange(port, Buffer.from('PING\r\n'), (b) => b.includes('\r\n'));
  return reply !== null && reply.toString('latin1').startsWith('+PONG');
}

class RedisServer extends ServerBase {
  readonly kind = 'redis' as const;
  private readonly binary: string;
  private readonly launch: RedisLaunch;

  constructor(binary: string, dir: string, port: number, opts: RedisOptions, launch: RedisLaunch) {
    super(dir, port, opts, 30_000);
    this.binary = binary;
    this.launch = launch;
  }

  get url(): string {
    return `redis://${LOOPBACK}:${this.port}`;
  }

  protected launchSpec(): LaunchSpec {
    return {
      command: this.binary,
      // No persistence: a restart starts empty, which fault tests accept.
      args: [
        ...(this.launch.configFile !== undefined ? [this.launch.configFile] : []),
        '--port',
        String(this.port),
        '--bind',
        LOOPBACK,
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--daemonize',
        'no',
        '--protected-mode',
        'yes',
        '--logfile',
        '',
        ...(this.launch.args ?? []),
      ],
      env: { ...process.env },
      cwd: this.dir,
      logFile: this.logFile,
    };
  }

  protected async waitReady(abort: () => string | null, timeoutMs: number): Promise<void> {
    await waitUntil(() => pingRedis(this.port), { timeoutMs, abort, what: 'redis PING' });
  }

  protected async reallocatePorts(): Promise<void> {
    this.port = await freePort();
  }
}

/** Starts redis-server on a free loopback port in a temp folder; resolves once it answers PING. */
export async function startRedis(opts: RedisOptions = {}): Promise<BrokerServer> {
  return startRedisIn(makeTempDir('redis'), opts);
}

/**
 * Starts redis-server in `dir` (which dispose() removes) with extra arguments:
 * the building block of the cluster and sentinel set-ups.
 */
export async function startRedisIn(
  dir: string,
  opts: RedisOptions = {},
  launch: RedisLaunch = {},
): Promise<BrokerServer> {
  const binary = redisServerPath();
  const port = opts.port ?? (await freePort());
  const server = new RedisServer(binary, dir, port, opts, launch);
  await server.startFirst();
  return server;
}
