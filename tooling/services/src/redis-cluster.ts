import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findExecutable, ServiceNotInstalledError } from './binaries.js';
import { freePort, LOOPBACK, waitUntil } from './ports.js';
import { startRedis } from './redis.js';
import type { BrokerServer } from './server.js';

const run = promisify(execFile);

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Master nodes (they share the 16384 slots). @default 3 */
  readonly masters?: number;
  /** Replicas of each master. @default 1 */
  readonly replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a master may be unreachable before its replica takes over, in ms. @default 2000 */
  readonly nodeTimeoutMs?: number;
  /** How long to wait for the cluster to serve every slot, in ms. @default 60000 */
  readonly readyTimeoutMs?: number;
}

/** A Redis Cluster of local redis-servers on free loopback ports. */
export interface RedisCluster {
  /** Every node, masters first as created. */
  readonly nodes: readonly BrokerServer[];
  /** `redis://127.0.0.1:PORT` of every node: root nodes for node-redis's `createCluster`. */
  readonly urls: readonly string[];
  /** Stops every node and removes their folders. Idempotent. */
  dispose(): Promise<void>;
}

function redisCliPath(): string {
  const path = findExecutable('redis-cli');
  if (path === null) throw new ServiceNotInstalledError('redis-cli', 'LOGQ_REDIS_URL');
  return path;
}

async function clusterInfo(cli: string, port: number): Promise<string> {
  try {
    const { stdout } = await run(cli, ['-h', LOOPBACK, '-p', String(port), 'CLUSTER', 'INFO'], { timeout: 5_000 });
    return stdout;
  } catch {
    return '';
  }
}

/**
 * Starts a Redis Cluster (`--cluster-enabled yes` on each node, then
 * `redis-cli --cluster create`), by default 3 masters and 3 replicas, and
 * resolves once every node reports `cluster_state:ok` with all slots served.
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
  const cli = redisCliPath();
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const nodes: BrokerServer[] = [];
  const dispose = async () => {
    await Promise.all(nodes.map((node) => node.dispose()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const busPort = await freePort();
      nodes.push(
        await startRedis({
          port,
          extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 2_000), '--cluster-port', String(busPort)],
        }),
      );
    }
    await run(cli, ['--cluster', 'create', ...nodes.map((n) => `${LOOPBACK}:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'], { timeout: 60_000 });
    await waitUntil(
      async () => {
        const infos = await Promise.all(nodes.map((n) => clusterInfo(cli, n.port)));
        return infos.every((info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384') && info.includes(`cluster_known_nodes:${count}`));
      },
      { timeoutMs: opts.readyTimeoutMs ?? 60_000, abort: () => null, what: 'redis cluster_state:ok on every node' },
    );
  } catch (error) {
    await dispose();
    throw error;
  }
  return { nodes, urls: nodes.map((n) => n.url), dispose };
}
