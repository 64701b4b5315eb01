import { join } from 'node:path';
import { ProcessGroup, tail, type LaunchSpec } from './process-group.js';
import { removeTempDir } from './tempdir.js';

export type ServiceKind = 'redis' | 'rabbitmq' | 'ferretdb';

/** A broker started by this process, on its own loopback port and in its own temp folder. */
export interface BrokerServer {
  readonly kind: ServiceKind;
  /** Client URL, e.g. redis://127.0.0.1:PORT. */
  readonly url: string;
  readonly port: number;
  /** The server's temp folder (data and logs); removed by dispose(). */
  readonly dir: string;
  readonly running: boolean;
  /** Pid (and process group id) of the running server, or null when stopped. */
  readonly pid: number | null;
  /** Starts it again after stop(): same port, same folder. No-op while running. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM to its process group, SIGKILL after the grace time); keeps port and folder. */
  stop(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. Idempotent. */
  dispose(): Promise<void>;
  /** The tail of the server's output, for debugging. */
  log(): string;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface ServerOptions {
  /** Port clients connect to (default: a free one). */
  port?: number;
  /** How long to wait for the server to accept connections (defaults are generous, for loaded CI machines). */
  startTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL (default 15 s). */
  stopTimeoutMs?: number;
}

export abstract class ServerBase implements BrokerServer {
  abstract readonly kind: ServiceKind;
  abstract readonly url: string;
  readonly dir: string;
  protected readonly logFile: string;
  protected readonly fixedPort: boolean;
  protected readonly startTimeoutMs: number;
  protected readonly stopTimeoutMs: number;
  private group: ProcessGroup | null = null;
  private disposed = false;
  private chain: Promise<unknown> = Promise.resolve();
  private _port: number;

  protected constructor(dir: string, port: number, opts: ServerOptions, defaultStartTimeoutMs: number) {
    this.dir = dir;
    this._port = port;
    this.logFile = join(dir, 'server.log');
    this.fixedPort = opts.port !== undefined;
    this.startTimeoutMs = opts.startTimeoutMs ?? defaultStartTimeoutMs;
    this.stopTimeoutMs = opts.stopTimeoutMs ?? 15_000;
  }

  get port(): number {
    return this._port;
  }

  protected set port(value: number) {
    this._port = value;
  }

  get running(): boolean {
    return this.group !== null && this.group.running;
  }

  get pid(): number | null {
    return this.running && this.group !== null ? this.group.pid : null;
  }

  /** The command line of the server. */
  protected abstract launchSpec(): LaunchSpec;
  /** Resolves once the server really serves clients; `abort()` tells when waiting is pointless. */
  protected abstract waitReady(abort: () => string | null, timeoutMs: number): Promise<void>;
  /** Picks new free ports after a failed first start (another process took one). */
  protected abstract reallocatePorts(): Promise<void>;
  /** Runs before each launch (e.g. helpers the server needs). */
  protected async beforeLaunch(): Promise<void> {}
  /** Runs on dispose, after the server is stopped. */
  protected async afterDispose(): Promise<void> {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  log(): string {
    return tail(this.logFile);
  }

  private async launchOnce(): Promise<void> {
    // A server that died on its own: reap what is left of its group first.
    if (this.group !== null) await this.stopNow();
    await this.beforeLaunch();
    const group = await ProcessGroup.launch(this.launchSpec());
    this.group = group;
    const abort = (): string | null => {
      const exit = group.exit;
      return exit === null ? null : `the server exited (code ${exit.code ?? 'none'}, signal ${exit.signal ?? 'none'})`;
    };
    try {
      await this.waitReady(abort, this.startTimeoutMs);
    } catch (err) {
      await group.kill();
      this.group = null;
      const reason = err instanceof Error ? err.message : String(err);
      const error = new Error(
        `${this.kind} on 127.0.0.1:${this.port} did not start: ${reason}\n--- ${this.logFile} ---\n${this.log()}`,
      );
      (error as Error & { exitedEarly?: boolean }).exitedEarly = group.exit !== null && abort() !== null;
      throw error;
    }
  }

  /** First start: retried on fresh ports if the server died at once (e.g. a port race with another process). */
  async startFirst(): Promise<void> {
    const attempts = this.fixedPort ? 1 : 3;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.serial(() => this.launchOnce());
        return;
      } catch (err) {
        const early = (err as Error & { exitedEarly?: boolean }).exitedEarly === true;
        if (!early || attempt >= attempts) {
          await this.dispose();
          throw err;
        }
        await this.reallocatePorts();
      }
    }
  }

  start(): Promise<void> {
    return this.serial(async () => {
      if (this.disposed) throw new Error(`${this.kind}: start() after dispose()`);
      if (this.running) return;
      await this.launchOnce();
    });
  }

  private async stopNow(): Promise<void> {
    const group = this.group;
    this.group = null;
    if (group !== null) await group.stop(this.stopTimeoutMs);
  }

  stop(): Promise<void> {
    return this.serial(() => this.stopNow());
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  dispose(): Promise<void> {
    return this.serial(async () => {
      if (this.disposed) return;
      this.disposed = true;
      await this.stopNow();
      await this.afterDispose();
      removeTempDir(this.dir);
    });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
