/**
 * The channels of logq's IPC transport and their lifecycle: an {@link Endpoint}
 * per target (a child process, a worker thread, a port, or this process's
 * own channel to its parent), and on the parent's side a {@link ChannelRouter}
 * per channel, which listens while a queue is attached to it, routes logq's
 * messages to those queues, and lets them go when the channel ends.
 */
import { ChildProcess } from 'node:child_process';
import type { Worker as ClusterWorker } from 'node:cluster';
import { MessagePort, Worker, isMainThread, parentPort } from 'node:worker_threads';
import { ChannelClosedError } from './errors.js';
import {
  type CreditMessage,
  type HelloMessage,
  type LogqMessage,
  type RecordsMessage,
  isLogqMessage,
} from './protocol.js';

/**
 * One end of a Node IPC channel that logq can use:
 * - in a parent: a `ChildProcess` from `child_process.fork`, a `cluster`
 *   `Worker` from `cluster.fork()`, a `worker_threads` `Worker`;
 * - in a child: `process` (fork and cluster children) or `parentPort`;
 * - anywhere: a `MessagePort` (one end of a `MessageChannel`).
 */
export type IpcTarget = ChildProcess | ClusterWorker | Worker | MessagePort | NodeJS.Process;

type Listener = (message: unknown) => void;

/** A uniform view of an {@link IpcTarget}. */
export interface Endpoint {
  /** The object whose events are listened to (a cluster worker's `process`). */
  readonly emitter: object;
  /** Whether the channel can still carry messages. */
  readonly open: boolean;
  /** Whether the channel encodes each message as JSON text (a process channel), rather than cloning it (a thread's). */
  readonly encodesJson: boolean;
  /**
   * Posts a message; resolves once it is handed to the channel (written to the
   * pipe for a process, queued on the port for a thread). Rejects with
   * {@link ChannelClosedError} when the channel is closed.
   */
  post(message: LogqMessage): Promise<void>;
  /**
   * Posts a message and says whether the channel is congested (for a process:
   * Node's write queue is past its threshold, `send()` returned false).
   * `written` resolves once the message is handed to the channel, or rejects
   * with {@link ChannelClosedError}; it is always handled.
   */
  send(message: LogqMessage): { readonly congested: boolean; readonly written: Promise<void> };
  /** Posts without waiting; errors (a closed channel) are ignored. */
  postQuiet(message: LogqMessage): void;
  /** Listens for messages and for the channel's end. Returns the function that stops listening. */
  listen(onMessage: Listener, onClose: () => void): () => void;
}

/**
 * A forked or cluster child (`ChildProcess`), or `process` in such a child.
 * The channel's end is `disconnect`, which comes after every message still in
 * the pipe has been read (a child's `exit` can come before).
 */
class ProcessEndpoint implements Endpoint {
  readonly encodesJson = true;

  constructor(readonly emitter: ChildProcess | NodeJS.Process) {}

  get open(): boolean {
    return this.emitter.connected === true;
  }

  post(message: LogqMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | null) =>
        error ? reject(new ChannelClosedError(`IPC channel closed: ${error.message}`, { cause: error })) : resolve();
      try {
        const target = this.emitter;
        if (typeof target.send !== 'function') throw new ChannelClosedError('this process has no IPC channel');
        if (target instanceof ChildProcess) target.send(message, done);
        else target.send(message, undefined, undefined, done);
      } catch (error) {
        reject(
          error instanceof ChannelClosedError
            ? error
            : new ChannelClosedError(`IPC send failed: ${String(error)}`, { cause: error }),
        );
      }
    });
  }

  send(message: LogqMessage): { congested: boolean; written: Promise<void> } {
    let congested = false;
    const written = new Promise<void>((resolve, reject) => {
      const done = (error: Error | null) =>
        error ? reject(new ChannelClosedError(`IPC channel closed: ${error.message}`, { cause: error })) : resolve();
      try {
        const target = this.emitter;
        if (typeof target.send !== 'function') throw new ChannelClosedError('this process has no IPC channel');
        congested = !(target instanceof ChildProcess
          ? target.send(message, done)
          : target.send(message, undefined, undefined, done));
      } catch (error) {
        reject(
          error instanceof ChannelClosedError
            ? error
            : new ChannelClosedError(`IPC send failed: ${String(error)}`, { cause: error }),
        );
      }
    });
    written.catch(() => {});
    return { congested, written };
  }

  postQuiet(message: LogqMessage): void {
    this.post(message).catch(() => {});
  }

  listen(onMessage: Listener, onClose: () => void): () => void {
    const emitter = this.emitter as NodeJS.EventEmitter;
    emitter.on('message', onMessage);
    emitter.on('disconnect', onClose);
    return () => {
      emitter.off('message', onMessage);
      emitter.off('disconnect', onClose);
    };
  }
}

class PortEndpoint implements Endpoint {
  readonly encodesJson = false;
  private closed = false;

  constructor(
    readonly emitter: MessagePort | Worker,
    private readonly closeEvent: 'close' | 'exit',
  ) {
    emitter.once(closeEvent, () => (this.closed = true));
  }

  get open(): boolean {
    if (this.closed) return false;
    return this.emitter instanceof Worker ? this.emitter.threadId !== -1 : true;
  }

  post(message: LogqMessage): Promise<void> {
    try {
      if (!this.open) throw new ChannelClosedError('message port closed');
      this.emitter.postMessage(message);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(
        error instanceof ChannelClosedError
          ? error
          : new ChannelClosedError(`postMessage failed: ${String(error)}`, { cause: error }),
      );
    }
  }

  send(message: LogqMessage): { congested: boolean; written: Promise<void> } {
    const written = this.post(message);
    written.catch(() => {});
    return { congested: false, written };
  }

  postQuiet(message: LogqMessage): void {
    try {
      if (this.open) this.emitter.postMessage(message);
    } catch {
      // The other side is gone; nothing to tell it.
    }
  }

  listen(onMessage: Listener, onClose: () => void): () => void {
    this.emitter.on('message', onMessage);
    this.emitter.on(this.closeEvent, onClose);
    return () => {
      this.emitter.off('message', onMessage);
      this.emitter.off(this.closeEvent, onClose);
    };
  }
}

const endpoints = new WeakMap<object, Endpoint>();

function isClusterWorker(target: object): target is ClusterWorker {
  const proc = (target as { process?: unknown }).process;
  return proc instanceof ChildProcess && typeof (target as { id?: unknown }).id === 'number';
}

/**
 * The {@link Endpoint} for an {@link IpcTarget} (one per target).
 * @throws {TypeError} for anything else.
 */
export function endpointOf(target: IpcTarget): Endpoint {
  const key = isClusterWorker(target) ? target.process : target;
  const known = endpoints.get(key);
  if (known) return known;
  let endpoint: Endpoint;
  if (key instanceof ChildProcess) endpoint = new ProcessEndpoint(key);
  else if (key === process) endpoint = new ProcessEndpoint(process);
  else if (key instanceof Worker) endpoint = new PortEndpoint(key, 'exit');
  else if (key instanceof MessagePort) endpoint = new PortEndpoint(key, 'close');
  else
    throw new TypeError(
      'not an IPC target: expected a ChildProcess, a cluster Worker, a worker_threads Worker, a MessagePort or process',
    );
  endpoints.set(key, endpoint);
  return endpoint;
}

/**
 * The channel to this process's parent, or null: `parentPort` in a
 * `worker_threads` worker, `process` in a child started by
 * `child_process.fork` or `cluster.fork`.
 */
export function parentChannel(): MessagePort | NodeJS.Process | null {
  if (!isMainThread && parentPort) return parentPort;
  if (typeof process.send === 'function') return process;
  return null;
}

/** A queue's receiving side, as the {@link ChannelRouter}s of the channels it is attached to see it. */
export interface ChannelReceiver {
  /** The queue id that handlers name. */
  readonly id: string;
  /** Takes a `records` message. */
  receiveRecords(message: RecordsMessage): void;
  /** Answers a `credit` message on `endpoint`, now or once the queue has room. */
  requestCredit(endpoint: Endpoint, message: CreditMessage): void;
  /** Counts a message refused on one of its channels (it named no queue attached there). */
  countRefused(): void;
  /** The channel ended, or the receiver was detached from it: forgets the router and what it parked for its endpoint. */
  channelClosed(router: ChannelRouter): void;
}

const routers = new WeakMap<Endpoint, ChannelRouter>();

/** The router of an endpoint, created on first use. */
export function routerOf(endpoint: Endpoint): ChannelRouter {
  let router = routers.get(endpoint);
  if (!router) {
    router = new ChannelRouter(endpoint);
    routers.set(endpoint, router);
  }
  return router;
}

/** The router of an endpoint if some queue is attached to it. */
export function attachedRouter(endpoint: Endpoint): ChannelRouter | undefined {
  return routers.get(endpoint);
}

/**
 * Listens on one channel while queues are attached to it and routes logq's
 * messages to them: records and credit requests to the queue they name (or
 * the first attached), `hello` answered with `welcome`, anything for a queue
 * not attached here refused. Stops listening when the last queue leaves or the
 * channel ends (then every queue is told).
 */
export class ChannelRouter {
  private readonly receivers: ChannelReceiver[] = [];
  private stop: (() => void) | null = null;

  constructor(readonly endpoint: Endpoint) {}

  /** Attaches a queue (idempotent); the first one starts the listening. */
  add(receiver: ChannelReceiver): void {
    if (this.receivers.includes(receiver)) return;
    this.receivers.push(receiver);
    this.stop ??= this.endpoint.listen(
      (message) => this.onMessage(message),
      () => this.onClose(),
    );
  }

  /** Detaches a queue; the last one stops the listening. */
  remove(receiver: ChannelReceiver): void {
    const i = this.receivers.indexOf(receiver);
    if (i >= 0) this.receivers.splice(i, 1);
    if (this.receivers.length === 0) this.dispose();
  }

  private dispose(): void {
    this.stop?.();
    this.stop = null;
    routers.delete(this.endpoint);
  }

  private onClose(): void {
    for (const receiver of this.receivers) receiver.channelClosed(this);
    this.receivers.length = 0;
    this.dispose();
  }

  private resolve(id: string | null | undefined): ChannelReceiver | undefined {
    if (id === null || id === undefined) return this.receivers[0];
    return this.receivers.find((r) => r.id === id);
  }

  private onMessage(message: unknown): void {
    if (!isLogqMessage(message)) return;
    switch (message.logq) {
      case 'records': {
        const receiver = this.resolve(message.queue);
        if (receiver) receiver.receiveRecords(message);
        else this.refuse(message);
        return;
      }
      case 'credit': {
        const receiver = this.resolve(message.queue);
        if (receiver) receiver.requestCredit(this.endpoint, message);
        else this.refuse(message);
        return;
      }
      case 'hello': {
        const receiver = this.resolve(message.queue);
        if (receiver) this.endpoint.postQuiet({ logq: 'welcome', handler: message.handler, queue: receiver.id });
        else this.refuse(message);
        return;
      }
      default:
        // Answers travel the other way: nothing to do here (an echoing peer sends them back).
        return;
    }
  }

  private refuse(message: HelloMessage | RecordsMessage | CreditMessage): void {
    this.receivers[0]?.countRefused();
    const reason =
      message.queue === null || message.queue === undefined
        ? 'no queue is attached to this channel in the parent: call queue.attach(child) there'
        : `queue ${message.queue} is not attached to this channel in the parent: call queue.attach(child) there`;
    this.endpoint.postQuiet({ logq: 'refuse', handler: message.handler, reason });
  }
}
