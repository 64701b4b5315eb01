import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findExecutable, ServiceNotInstalledError } from './binaries.js';
import type { LaunchSpec } from './process-group.js';
import { exchange, freePort, LOOPBACK, waitUntil } from './ports.js';
import { redisServerPath, startRedis } from './redis.js';
import { ServerBase, type BrokerServer, type ServerOptions } from './server.js';
import { makeTempDir } from './tempdir.js';

const run = promisify(execFile);

/** One redis-server in sentinel mode, watching `masterName`. */
class SentinelServer extends ServerBase {
  readonly kind = 'redis' as const;
  private readonly binary: string;
  private readonly masterName: string;
  private readonly masterPort: number;

  constructor(binary: string, dir: string, port: number, masterName: string, masterPort: number, opts: ServerOptions) {
    super(dir, port, opts, 30_000);
    this.binary = binary;
    this.masterName = masterName;
    this.masterPort = masterPort;
  }

  get url(): string {
    return `redis://${LOOPBACK}:${this.port}`;
  }

  protected override async beforeLaunch(): Promise<void> {
    // Sentinel rewrites its config file (what it learnt survives a restart): one per sentinel, written once.
    const file = join(this.dir, 'sentinel.conf');
    if (existsSync(file)) return;
    writeFileSync(
      file,
      [
        `port ${this.port}`,
        `bind ${LOOPBACK}`,
        `dir ${this.dir}`,
        `sentinel monitor ${this.masterName} ${LOOPBACK} ${this.masterPort} 2`,
        `sentinel down-after-milliseconds ${this.masterName} 1000`,
        `sentinel failover-timeout ${this.masterName} 5000`,
        `sentinel parallel-syncs ${this.masterName} 1`,
        '',
      ].join('\n'),
      { flag: 'wx' },
    );
  }

  protected launchSpec(): LaunchSpec {
    return { command: this.binary, args: [join(this.dir, 'sentinel.conf'), '--sentinel'], env: { ...process.env }, cwd: this.dir, logFile: this.logFile };
  }

  protected async waitReady(abort: () => string | null, timeoutMs: number): Promise<void> {
    await waitUntil(
      async () => {
        const reply = await exchange(this.port, Buffer.from('PING\r\n'), (b) => b.includes('\r\n'));
        return reply !== null && reply.toString('latin1').startsWith('+PONG');
      },
      { timeoutMs, abort, what: 'redis sentinel PING' },
    );
  }

  protected async reallocatePorts(): Promise<void> {
    this.port = await freePort();
  }
}

/** Options of {@link startRedisSentinel}. */
export interface RedisSentinelOptions {
  /** The master's name in the sentinels. @default 'mymaster' */
  readonly masterName?: string;
  /** How many sentinels. @default 3 */
  readonly sentinels?: number;
}

/** One master, one replica and sentinels watching them, on free loopback ports. */
export interface RedisSentinelSetup {
  readonly masterName: string;
  readonly master: BrokerServer;
  readonly replica: BrokerServer;
  readonly sentinels: readonly BrokerServer[];
  /** `redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,.../masterName`. */
  readonly uri: string;
  /** Asks a sentinel to fail over (the replica becomes master) and resolves once the sentinels name another master. */
  failover(): Promise<void>;
  /** Stops everything and removes the folders. Idempotent. */
  dispose(): Promise<void>;
}

async function sentinelMaster(cli: string, sentinelPort: number, name: string): Promise<string> {
  try {
    const { stdout } = await run(cli, ['-h', LOOPBACK, '-p', String(sentinelPort), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name], { timeout: 5_000 });
    return stdout.trim().split('\n').join(':');
  } catch {
    return '';
  }
}

/**
 * Starts a master, a replica of it and (by default) three sentinels, and
 * resolves once every sentinel knows the master and its replica.
 */
export async function startRedisSentinel(opts: RedisSentinelOptions = {}): Promise<RedisSentinelSetup> {
  const cli = findExecutable('redis-cli');
  if (cli === null) throw new ServiceNotInstalledError('redis-cli', 'LOGQ_REDIS_URL');
  const name = opts.masterName ?? 'mymaster';
  const started: BrokerServer[] = [];
  const dispose = async () => {
    await Promise.all(started.map((s) => s.dispose()));
  };
  try {
    const master = await startRedis();
    started.push(master);
    const replica = await startRedis({ extraArgs: ['--replicaof', LOOPBACK, String(master.port)] });
    started.push(replica);
    const sentinels: BrokerServer[] = [];
    for (let i = 0; i < (opts.sentinels ?? 3); i++) {
      const sentinel = new SentinelServer(redisServerPath(), makeTempDir('redis-sentinel'), await freePort(), name, master.port, {});
      await sentinel.startFirst();
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    const replicasKnown = async (port: number) => {
      try {
        const { stdout } = await run(cli, ['-h', LOOPBACK, '-p', String(port), 'SENTINEL', 'REPLICAS', name], { timeout: 5_000 });
        return stdout.includes(String(replica.port));
      } catch {
        return false;
      }
    };
    await waitUntil(async () => (await Promise.all(sentinels.map((s) => replicasKnown(s.port)))).every(Boolean), { timeoutMs: 60_000, abort: () => null, what: 'sentinels know the replica' });
    const uri = `redis+sentinel://${sentinels.map((s) => `${LOOPBACK}:${s.port}`).join(',')}/${name}`;
    const failover = async () => {
      const before = await sentinelMaster(cli, sentinels[0]!.port, name);
      await run(cli, ['-h', LOOPBACK, '-p', String(sentinels[0]!.port), 'SENTINEL', 'FAILOVER', name], { timeout: 5_000 });
      await waitUntil(async () => (await Promise.all(sentinels.map((s) => sentinelMaster(cli, s.port, name)))).every((m) => m !== '' && m !== before), {
        timeoutMs: 60_000,
        abort: () => null,
        what: 'the sentinels to name the new master',
      });
    };
    return { masterName: name, master, replica, sentinels, uri, failover, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
