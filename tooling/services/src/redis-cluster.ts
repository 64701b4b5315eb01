import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, ServiceNotInstalledError } from './binaries.js';
import { LOOPBACK, waitUntil } from './ports.js';
import { startRedisIn } from './redis.js';
import { redisCall, redisSend, redisText, infoFields } from './resp.js';
import type { BrokerServer } from './server.js';
import { makeTempDir, removeTempDir } from './tempdir.js';

export interface RedisClusterOptions {
  /** Masters (each owns a third of the slots by default). Default 3. */
  masters?: number;
  /** Replicas per master. Default 1. */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: how long a node may be unreachable before it is
   * failed over. Default 1500 ms (a failover then takes ~2-5 s).
   */
  nodeTimeoutMs?: number;
  /** How long to wait for the cluster to be formed (every node ok, replicas synced). Default 60 s. */
  startTimeoutMs?: number;
  /** Per node: how long stop() waits after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

/** How `failover()` takes the master down. */
export type ClusterFailoverMode =
  /** SIGKILL its process: a crash. It stays down (`node.start()` brings it back as a replica). */
  | 'kill'
  /** `DEBUG SLEEP s`: it stops answering, wakes up after `sleepSeconds` and rejoins as a replica. */
  | 'sleep'
  /** SIGSTOP until the replica is promoted, then SIGCONT: it rejoins as a replica. */
  | 'pause';

export interface ClusterFailoverOptions {
  mode?: ClusterFailoverMode;
  /** For mode 'sleep': how long the master sleeps. Default 30 s (longer than a failover takes). */
  sleepSeconds?: number;
  /** How long to wait for the promotion. Default 60 s. */
  timeoutMs?: number;
}

export interface ClusterFailover {
  /** The master that was taken down. */
  readonly from: BrokerServer;
  /** Its replica, now master of the key's slot. */
  readonly to: BrokerServer;
  readonly slot: number;
}

/** A local Redis Cluster: every node a redis-server on its own 127.0.0.1 port, all in one temp folder. */
export interface RedisCluster {
  /** Every node, in creation order (roles as `redis-cli --cluster create` assigned them). */
  readonly nodes: readonly BrokerServer[];
  /** redis://127.0.0.1:PORT of every node. */
  readonly urls: readonly string[];
  /** For node-redis: `createCluster({ rootNodes: cluster.rootNodes })`. */
  readonly rootNodes: readonly { readonly url: string }[];
  /** The folder holding every node's folder; removed by stop(). */
  readonly dir: string;
  /** The hash slot of a key (asks a node: `CLUSTER KEYSLOT`). */
  keySlot(key: string): Promise<number>;
  /** The node that is master of the key's slot now (by the highest config epoch any node reports). */
  masterForKey(key: string): Promise<BrokerServer>;
  /** The replicas of the master of the key's slot, as that master reports them. */
  replicasForKey(key: string): Promise<BrokerServer[]>;
  /**
   * Takes the master of the key's slot down (see ClusterFailoverMode) and
   * resolves once one of its replicas is master of the slot and every
   * answering node agrees and reports `cluster_state:ok`.
   */
  failover(key: string, opts?: ClusterFailoverOptions): Promise<ClusterFailover>;
  /**
   * Resolves once every running node answers `cluster_state:ok`, all of them
   * agree on who owns which slots, and every running replica's link to its
   * master is up.
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every node (by its process group) and removes the folder. Idempotent. */
  stop(): Promise<void>;
  /** Same as stop(). */
  dispose(): Promise<void>;
  /** The tail of every node's log, for debugging. */
  log(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Path of redis-cli, or throws ServiceNotInstalledError. */
export function redisCliPath(): string {
  const path = findExecutable('redis-cli');
  if (path === null) throw new ServiceNotInstalledError('redis-cli (Debian package redis-tools)');
  return path;
}

function runCli(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(redisCliPath(), args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`redis-cli ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

interface NodeEntry {
  id: string;
  port: number;
  flags: Set<string>;
  masterId: string | null;
  epoch: number;
  slots: [number, number][];
}

/** Parses `CLUSTER NODES`. */
export function parseClusterNodes(text: string): NodeEntry[] {
  const entries: NodeEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(' ');
    if (f.length < 8) continue;
    const address = f[1] as string; // ip:port@cport[,hostname]
    const port = Number(address.slice(address.lastIndexOf(':', address.indexOf('@')) + 1, address.indexOf('@')));
    const slots: [number, number][] = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue; // a slot being migrated
      const [a, b] = s.split('-');
      slots.push([Number(a), Number(b ?? a)]);
    }
    entries.push({
      id: f[0] as string,
      port,
      flags: new Set((f[2] as string).split(',')),
      masterId: f[3] === '-' ? null : (f[3] as string),
      epoch: Number(f[6]),
      slots,
    });
  }
  return entries;
}

const owns = (e: NodeEntry, slot: number): boolean => e.slots.some(([a, b]) => slot >= a && slot <= b);
const PROBE_MS = 1000;

class Cluster implements RedisCluster {
  readonly rootNodes: readonly { readonly url: string }[];
  private readonly paused = new Set<BrokerServer>();
  private readonly asleep = new Map<BrokerServer, number>();
  private stopped = false;

  constructor(
    readonly nodes: readonly BrokerServer[],
    readonly dir: string,
  ) {
    this.rootNodes = nodes.map((n) => ({ url: n.url }));
  }

  get urls(): readonly string[] {
    return this.nodes.map((n) => n.url);
  }

  private byPort(port: number): BrokerServer | undefined {
    return this.nodes.find((n) => n.port === port);
  }

  /** Nodes expected to answer: running, not paused, not in a DEBUG SLEEP. */
  private answering(): BrokerServer[] {
    const now = Date.now();
    return this.nodes.filter((n) => n.running && !this.paused.has(n) && (this.asleep.get(n) ?? 0) < now);
  }

  private async views(): Promise<Map<BrokerServer, NodeEntry[]>> {
    const views = new Map<BrokerServer, NodeEntry[]>();
    await Promise.all(
      this.answering().map(async (n) => {
        const text = await redisText(n.port, ['CLUSTER', 'NODES'], PROBE_MS);
        if (text !== null) views.set(n, parseClusterNodes(text));
      }),
    );
    return views;
  }

  async keySlot(key: string): Promise<number> {
    for (const n of this.answering()) {
      const reply = await redisCall(n.port, ['CLUSTER', 'KEYSLOT', key], PROBE_MS);
      if (typeof reply === 'number') return reply;
    }
    throw new Error('redis cluster: no node answers CLUSTER KEYSLOT');
  }

  private ownerOf(views: Map<BrokerServer, NodeEntry[]>, slot: number): NodeEntry | null {
    let best: NodeEntry | null = null;
    for (const entries of views.values()) {
      for (const e of entries) {
        if (e.flags.has('master') && owns(e, slot) && (best === null || e.epoch > best.epoch)) best = e;
      }
    }
    return best;
  }

  async masterForKey(key: string): Promise<BrokerServer> {
    const slot = await this.keySlot(key);
    const owner = this.ownerOf(await this.views(), slot);
    const node = owner === null ? undefined : this.byPort(owner.port);
    if (node === undefined) throw new Error(`redis cluster: no node reports a master for slot ${slot}`);
    return node;
  }

  async replicasForKey(key: string): Promise<BrokerServer[]> {
    const slot = await this.keySlot(key);
    const views = await this.views();
    const owner = this.ownerOf(views, slot);
    if (owner === null) throw new Error(`redis cluster: no node reports a master for slot ${slot}`);
    const master = this.byPort(owner.port);
    const view = master === undefined ? undefined : views.get(master);
    const entries = view ?? [...views.values()][0] ?? [];
    return entries
      .filter((e) => e.masterId === owner.id && !e.flags.has('fail'))
      .map((e) => this.byPort(e.port))
      .filter((n): n is BrokerServer => n !== undefined);
  }

  /**
   * The topology as one node sees it: `masterId:ranges` of every live master holding slots, then
   * `replicaId>masterId` of every live replica. Views agree only once gossip has told every node which
   * node replicates which: a master learns that a node is its replica some time after the replica does.
   */
  private static slotMap(entries: NodeEntry[]): string {
    const live = (e: NodeEntry) => !e.flags.has('fail') && !e.flags.has('fail?');
    const masters = entries
      .filter((e) => e.flags.has('master') && live(e) && e.slots.length > 0)
      .map((e) => `${e.id}:${e.slots.map(([a, b]) => `${a}-${b}`).join(',')}`)
      .sort();
    const replicas = entries
      .filter((e) => e.flags.has('slave') && live(e))
      .map((e) => `${e.id}>${e.masterId ?? '-'}`)
      .sort();
    return `${masters.join(' ')} | ${replicas.join(' ')}`;
  }

  private async healthy(): Promise<boolean> {
    const nodes = this.answering();
    if (nodes.length === 0) return false;
    const checks = await Promise.all(
      nodes.map(async (n) => {
        const [info, nodesText, replication] = await Promise.all([
          redisText(n.port, ['CLUSTER', 'INFO'], PROBE_MS),
          redisText(n.port, ['CLUSTER', 'NODES'], PROBE_MS),
          redisText(n.port, ['INFO', 'replication'], PROBE_MS),
        ]);
        if (info === null || nodesText === null || replication === null) return null;
        if (infoFields(info).get('cluster_state') !== 'ok') return null;
        const repl = infoFields(replication);
        if (repl.get('role') === 'slave' && repl.get('master_link_status') !== 'up') return null;
        return Cluster.slotMap(parseClusterNodes(nodesText));
      }),
    );
    const first = checks[0];
    return first !== null && first !== undefined && !first.startsWith(' | ') && checks.every((c) => c === first);
  }

  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    try {
      await waitUntil(() => this.healthy(), { timeoutMs, what: 'the redis cluster to be healthy' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.log()}`);
    }
  }

  async failover(key: string, opts: ClusterFailoverOptions = {}): Promise<ClusterFailover> {
    const mode = opts.mode ?? 'kill';
    const slot = await this.keySlot(key);
    const from = await this.masterForKey(key);
    const before = this.ownerOf(await this.views(), slot);
    if (before === null) throw new Error(`redis cluster: no master for slot ${slot}`);
    const candidates = await this.replicasForKey(key);
    if (candidates.length === 0)
      throw new Error(`redis cluster: the master of slot ${slot} (${from.url}) has no replica`);

    if (mode === 'kill') {
      const pid = from.pid;
      if (pid !== null) process.kill(-pid, 'SIGKILL');
      await waitUntil(async () => !from.running, { timeoutMs: 10_000, what: `${from.url} to die` });
    } else if (mode === 'pause') {
      const pid = from.pid;
      if (pid === null) throw new Error(`redis cluster: ${from.url} is not running`);
      this.paused.add(from);
      process.kill(pid, 'SIGSTOP');
    } else {
      const seconds = opts.sleepSeconds ?? 30;
      this.asleep.set(from, Date.now() + seconds * 1000 + 1000);
      await redisSend(from.port, ['DEBUG', 'SLEEP', seconds]);
    }

    let to: BrokerServer | undefined;
    const promoted = async (): Promise<boolean> => {
      const views = await this.views();
      const owner = this.ownerOf(views, slot);
      if (owner === null || owner.port === from.port || owner.epoch <= before.epoch) return false;
      // every answering node agrees, and the new master says so itself
      for (const entries of views.values()) {
        const seen = entries.find((e) => e.flags.has('master') && owns(e, slot) && !e.flags.has('fail'));
        if (seen === undefined || seen.id !== owner.id) return false;
      }
      const node = this.byPort(owner.port);
      const info = node === undefined ? null : await redisText(node.port, ['CLUSTER', 'INFO'], PROBE_MS);
      if (info === null || infoFields(info).get('cluster_state') !== 'ok') return false;
      to = node;
      return true;
    };
    try {
      await waitUntil(promoted, {
        timeoutMs: opts.timeoutMs ?? 60_000,
        what: `a replica of ${from.url} to be promoted`,
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.log()}`);
    } finally {
      if (mode === 'pause') {
        this.paused.delete(from);
        const pid = from.pid;
        if (pid !== null) process.kill(pid, 'SIGCONT');
      }
    }
    return { from, to: to as BrokerServer, slot };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const n of this.paused) {
      const pid = n.pid;
      if (pid !== null) process.kill(pid, 'SIGCONT');
    }
    // A node in DEBUG SLEEP ignores SIGTERM until it wakes: kill it at once.
    await Promise.all(
      this.nodes.map(async (n) => {
        const pid = n.pid;
        if (this.asleep.has(n) && pid !== null) process.kill(-pid, 'SIGKILL');
        await n.dispose();
      }),
    );
    removeTempDir(this.dir);
  }

  dispose(): Promise<void> {
    return this.stop();
  }

  log(): string {
    return this.nodes.map((n) => `--- ${n.url} (${n.dir}) ---\n${n.log()}`).join('\n');
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Starts a Redis Cluster on 127.0.0.1: `masters × (1 + replicasPerMaster)`
 * redis-server nodes (`--cluster-enabled yes`, no persistence) on free ports
 * in one temp folder, joined by `redis-cli --cluster create`; resolves once
 * every node reports `cluster_state:ok`, they agree on the slot map and every
 * replica is in sync. A missing redis-server or redis-cli throws
 * ServiceNotInstalledError (never a skip).
 */
export async function startRedisCluster(opts: RedisClusterOptions = {}): Promise<RedisCluster> {
  redisCliPath(); // fail fast, before starting anything
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const dir = makeTempDir('redis-cluster');
  const nodes: BrokerServer[] = [];
  try {
    const started = await Promise.allSettled(
      Array.from({ length: count }, async (_, i) => {
        const nodeDir = join(dir, `node-${i}`);
        mkdirSync(nodeDir);
        return startRedisIn(
          nodeDir,
          { ...(opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: opts.stopTimeoutMs } : {}) },
          {
            args: [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              join(nodeDir, 'nodes.conf'),
              '--cluster-node-timeout',
              String(opts.nodeTimeoutMs ?? 1500),
              '--cluster-announce-ip',
              LOOPBACK,
              // fail over even when the replica lost its master a while ago
              '--cluster-replica-validity-factor',
              '0',
              '--enable-debug-command',
              'local',
              // replicas sync at once (the default waits 5 s for more replicas to share a diskless sync)
              '--repl-diskless-sync-delay',
              '0',
            ],
          },
        );
      }),
    );
    for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;

    const cluster = new Cluster(nodes, dir);
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    try {
      await runCli(
        [
          '--cluster',
          'create',
          ...nodes.map((n) => `${LOOPBACK}:${n.port}`),
          '--cluster-replicas',
          String(replicas),
          '--cluster-yes',
        ],
        timeoutMs,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${cluster.log()}`);
    }
    await cluster.waitHealthy(timeoutMs);
    return cluster;
  } catch (err) {
    await Promise.all(nodes.map((n) => n.dispose()));
    removeTempDir(dir);
    throw err;
  }
}
