import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, waitUntil } from './ports.js';
import { startRedisIn } from './redis.js';
import { infoFields, redisCall, redisText, type RespValue } from './resp.js';
import type { BrokerServer } from './server.js';
import { makeTempDir, removeTempDir } from './tempdir.js';

export interface RedisSentinelOptions {
  /** The monitored master's name. Default 'logq'. */
  masterName?: string;
  /** Replicas of the first master. Default 1. */
  replicas?: number;
  /** Sentinels. Default 3 (quorum: a majority). */
  sentinels?: number;
  /** `sentinel down-after-milliseconds`. Default 1000. */
  downAfterMs?: number;
  /** `sentinel failover-timeout`. Default 5000. */
  failoverTimeoutMs?: number;
  /** How long to wait for the set-up to be ready (sentinels know each other and the replica). Default 60 s. */
  startTimeoutMs?: number;
  /** Per process: how long stop() waits after SIGTERM before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

export interface SentinelFailoverOptions {
  /** 'kill' (default): SIGKILL, a crash. 'stop': SIGTERM, a clean shutdown. Either way it stays down. */
  mode?: 'kill' | 'stop';
  /** How long to wait for the sentinels to promote a replica. Default 60 s. */
  timeoutMs?: number;
}

/** A master, its replicas and the sentinels watching them, each on its own 127.0.0.1 port. */
export interface RedisSentinelSetup {
  /** The name the sentinels know the master by. */
  readonly masterName: string;
  /** The data servers: [first master, ...its replicas]. Roles change on failover: see currentMaster(). */
  readonly servers: readonly BrokerServer[];
  readonly sentinels: readonly BrokerServer[];
  /** For node-redis: `createSentinel({ name: setup.masterName, sentinelRootNodes: setup.sentinelRootNodes })`. */
  readonly sentinelRootNodes: readonly { readonly host: string; readonly port: number }[];
  /** `redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,.../masterName`. */
  readonly url: string;
  /** Same as url. */
  readonly uri: string;
  /** The first master (servers[0]); see currentMaster() after a failover. */
  readonly master: BrokerServer;
  /** Its replica (servers[1]). */
  readonly replica: BrokerServer;
  /** The folder holding every process's folder; removed by stop(). */
  readonly dir: string;
  /** The server a majority of the answering sentinels report as master now. */
  currentMaster(): Promise<BrokerServer>;
  /**
   * Takes the current master down and resolves once every answering sentinel
   * reports another server as master and that server says `role:master`.
   */
  failover(opts?: SentinelFailoverOptions): Promise<{ readonly from: BrokerServer; readonly to: BrokerServer }>;
  /**
   * Resolves once every running sentinel reports the same master, knows the
   * other sentinels and sees every running replica as up, and every running
   * replica is in sync with that master (a restarted old master included).
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Stops every process (by its process group) and removes the folder. Idempotent. */
  stop(): Promise<void>;
  /** Same as stop(). */
  dispose(): Promise<void>;
  /** The tail of every process's log. */
  log(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

const PROBE_MS = 1000;

/** A flat [field, value, ...] reply as a map. */
function pairs(reply: RespValue): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}

class Setup implements RedisSentinelSetup {
  readonly sentinelRootNodes: readonly { readonly host: string; readonly port: number }[];
  private stopped = false;

  constructor(
    readonly masterName: string,
    readonly servers: readonly BrokerServer[],
    readonly sentinels: readonly BrokerServer[],
    readonly dir: string,
  ) {
    this.sentinelRootNodes = sentinels.map((s) => ({ host: LOOPBACK, port: s.port }));
  }

  get url(): string {
    return `redis+sentinel://${this.sentinels.map((s) => `${LOOPBACK}:${s.port}`).join(',')}/${this.masterName}`;
  }

  get uri(): string {
    return this.url;
  }

  get master(): BrokerServer {
    return this.servers[0] as BrokerServer;
  }

  get replica(): BrokerServer {
    return this.servers[1] as BrokerServer;
  }

  dispose(): Promise<void> {
    return this.stop();
  }

  /** The master port each answering sentinel reports. */
  private async reportedMasters(): Promise<number[]> {
    const ports = await Promise.all(
      this.sentinels
        .filter((s) => s.running)
        .map(async (s) => {
          const reply = await redisCall(s.port, ['SENTINEL', 'get-master-addr-by-name', this.masterName], PROBE_MS);
          return Array.isArray(reply) && reply.length === 2 ? Number(reply[1]) : null;
        }),
    );
    return ports.filter((p): p is number => p !== null);
  }

  async currentMaster(): Promise<BrokerServer> {
    const ports = await this.reportedMasters();
    const votes = new Map<number, number>();
    for (const p of ports) votes.set(p, (votes.get(p) ?? 0) + 1);
    for (const [port, n] of votes) {
      const server = this.servers.find((s) => s.port === port);
      if (n > this.sentinels.length / 2 && server !== undefined) return server;
    }
    throw new Error(`redis sentinel: no majority of sentinels agrees on a master (${JSON.stringify([...votes])})`);
  }

  private async role(server: BrokerServer): Promise<Map<string, string> | null> {
    const text = await redisText(server.port, ['INFO', 'replication'], PROBE_MS);
    return text === null ? null : infoFields(text);
  }

  private async healthy(): Promise<boolean> {
    const running = this.sentinels.filter((s) => s.running);
    const ports = await this.reportedMasters();
    const masterPort = ports[0];
    if (ports.length !== running.length || masterPort === undefined || ports.some((p) => p !== masterPort))
      return false;
    const master = this.servers.find((s) => s.port === masterPort);
    if (master === undefined || !master.running) return false;
    const replicas = this.servers.filter((s) => s !== master && s.running);
    const masterRole = await this.role(master);
    if (masterRole?.get('role') !== 'master') return false;
    for (const r of replicas) {
      const role = await this.role(r);
      if (role?.get('role') !== 'slave' || role.get('master_port') !== String(masterPort)) return false;
      if (role.get('master_link_status') !== 'up') return false;
    }
    for (const s of running) {
      const info = pairs(await redisCall(s.port, ['SENTINEL', 'master', this.masterName], PROBE_MS));
      if (info.get('flags') !== 'master' || info.get('num-other-sentinels') !== String(this.sentinels.length - 1))
        return false;
      const seen = await redisCall(s.port, ['SENTINEL', 'replicas', this.masterName], PROBE_MS);
      if (!Array.isArray(seen)) return false;
      const up = new Set(
        seen
          .map(pairs)
          .filter((p) => p.get('flags') === 'slave')
          .map((p) => Number(p.get('port'))),
      );
      if (!replicas.every((r) => up.has(r.port))) return false;
    }
    return true;
  }

  async waitHealthy(timeoutMs = 60_000): Promise<void> {
    try {
      await waitUntil(() => this.healthy(), { timeoutMs, what: 'the redis sentinel set-up to be healthy' });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.log()}`);
    }
  }

  async failover(opts: SentinelFailoverOptions = {}): Promise<{ from: BrokerServer; to: BrokerServer }> {
    const from = await this.currentMaster();
    if (opts.mode === 'stop') {
      await from.stop();
    } else {
      const pid = from.pid;
      if (pid !== null) process.kill(-pid, 'SIGKILL');
      await waitUntil(async () => !from.running, { timeoutMs: 10_000, what: `${from.url} to die` });
    }
    let to: BrokerServer | undefined;
    const promoted = async (): Promise<boolean> => {
      const ports = await this.reportedMasters();
      const port = ports[0];
      if (port === undefined || port === from.port || ports.length !== this.sentinels.filter((s) => s.running).length)
        return false;
      if (ports.some((p) => p !== port)) return false;
      const server = this.servers.find((s) => s.port === port);
      if (server === undefined || (await this.role(server))?.get('role') !== 'master') return false;
      to = server;
      return true;
    };
    try {
      await waitUntil(promoted, {
        timeoutMs: opts.timeoutMs ?? 60_000,
        what: `the sentinels to promote a replica of ${from.url}`,
      });
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.log()}`);
    }
    return { from, to: to as BrokerServer };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // sentinels first, so that they do not fail over a master being stopped
    await Promise.all(this.sentinels.map((s) => s.dispose()));
    await Promise.all(this.servers.map((s) => s.dispose()));
    removeTempDir(this.dir);
  }

  log(): string {
    return [...this.servers, ...this.sentinels].map((n) => `--- ${n.url} (${n.dir}) ---\n${n.log()}`).join('\n');
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * Starts one redis-server master, `replicas` replicas of it and `sentinels`
 * sentinels (`redis-server CONF --sentinel`, `sentinel announce-ip
 * 127.0.0.1`, small down-after and failover timeouts) on free 127.0.0.1 ports
 * in one temp folder; resolves once the sentinels know each other and the
 * replicas and every replica is in sync. A missing redis-server throws
 * ServiceNotInstalledError (never a skip).
 */
export async function startRedisSentinel(opts: RedisSentinelOptions = {}): Promise<RedisSentinelSetup> {
  const name = opts.masterName ?? 'logq';
  const replicaCount = opts.replicas ?? 1;
  const sentinelCount = opts.sentinels ?? 3;
  const serverOpts = opts.stopTimeoutMs !== undefined ? { stopTimeoutMs: opts.stopTimeoutMs } : {};
  const dir = makeTempDir('redis-sentinel');
  const servers: BrokerServer[] = [];
  const sentinels: BrokerServer[] = [];
  const subdir = (label: string): string => {
    const d = join(dir, label);
    mkdirSync(d);
    return d;
  };
  try {
    // replicas sync at once (the default waits 5 s for more replicas to share a diskless sync)
    const noSyncDelay = ['--repl-diskless-sync-delay', '0'];
    const master = await startRedisIn(subdir('master'), serverOpts, { args: noSyncDelay });
    servers.push(master);
    const started = await Promise.allSettled(
      Array.from({ length: replicaCount }, (_, i) =>
        startRedisIn(subdir(`replica-${i}`), serverOpts, {
          args: [...noSyncDelay, '--replicaof', LOOPBACK, String(master.port), '--replica-announce-ip', LOOPBACK],
        }),
      ),
    );
    for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;

    const quorum = Math.floor(sentinelCount / 2) + 1;
    const sentinelsStarted = await Promise.allSettled(
      Array.from({ length: sentinelCount }, (_, i) => {
        const sdir = subdir(`sentinel-${i}`);
        const conf = join(sdir, 'sentinel.conf');
        // sentinel rewrites this file (known sentinels, replicas, epochs): it must be writable
        writeFileSync(
          conf,
          [
            `sentinel announce-ip ${LOOPBACK}`,
            `sentinel monitor ${name} ${LOOPBACK} ${master.port} ${quorum}`,
            `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
            `sentinel failover-timeout ${name} ${opts.failoverTimeoutMs ?? 5000}`,
            `sentinel parallel-syncs ${name} 1`,
            '',
          ].join('\n'),
        );
        return startRedisIn(sdir, serverOpts, { configFile: conf, args: ['--sentinel'] });
      }),
    );
    for (const r of sentinelsStarted) if (r.status === 'fulfilled') sentinels.push(r.value);
    const sentinelFailed = sentinelsStarted.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (sentinelFailed !== undefined) throw sentinelFailed.reason;

    const setup = new Setup(name, servers, sentinels, dir);
    await setup.waitHealthy(opts.startTimeoutMs ?? 60_000);
    return setup;
  } catch (err) {
    await Promise.all(sentinels.map((s) => s.dispose()));
    await Promise.all(servers.map((s) => s.dispose()));
    removeTempDir(dir);
    throw err;
  }
}
