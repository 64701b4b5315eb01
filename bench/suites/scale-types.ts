// The shapes shared by the scale suite's transports, its child processes and its tables.

/** Who sends: logq's handler and subscriber, or the raw client written by hand for the same work. */
export type Impl = 'raw' | 'logq';

/** The transport paths the scale suite measures. */
export type TransportName = 'zeromq' | 'redis-list' | 'redis-stream' | 'amqp' | 'process' | 'mongo';

/** What a child process is told: one producer's or one consumer's part of a run. */
export interface Spec {
  readonly transport: TransportName;
  readonly impl: Impl;
  /** Broker URL (zeromq: the tcp endpoint the consumer binds). */
  readonly url: string;
  /** Queue, key or collection of this run. */
  readonly key: string;
  /** Characters of the pad string in `extra` (the record size). */
  readonly pad: number;
  /** Bytes of one wire record (for the yield chunk). */
  readonly bytes: number;
  /** Records each producer sends after the clock starts. */
  readonly perProducer: number;
  readonly producers: number;
  readonly consumers: number;
  /** This child's index among its role (0-based). */
  readonly index: number;
}

/** A connected producer: `send` sends its records and returns once the broker has them (flushed, confirmed). */
export interface Producer {
  send(n: number): Promise<void>;
  close(): Promise<void>;
}

/** A connected consumer: `take` decodes what has arrived (waiting up to `timeoutMs`) and returns how many. */
export interface Consumer {
  take(timeoutMs: number): Promise<number>;
  close(): Promise<void>;
  /** The process transport: the producers this consumer forked (their reports are its report's too). */
  readonly children?: readonly ChildHandle[];
}

/** One transport's producer and consumer, raw and logq. */
export interface Transport {
  /** Connects a producer; it has sent one record (not timed) and the broker has it. */
  producer(spec: Spec): Promise<Producer>;
  /** Connects a consumer (declares the queue, binds the socket…). */
  consumer(spec: Spec): Promise<Consumer>;
  /** Removes what a run left on the broker (its queue, key or collection). */
  cleanup(url: string, key: string): Promise<void>;
}

/** What a child reports at its end. */
export interface Report {
  readonly role: 'producer' | 'consumer';
  /** Records taken (consumer) or sent (producer), the untimed first record included. */
  readonly count: number;
  /** Epoch ms (performance.timeOrigin + now) of the last record taken or of the producer's end. */
  readonly lastAt: number;
  /** User + system CPU time from "go" to the end, in µs. */
  readonly cpuUs: number;
  /** Peak resident set size of the process, in MiB. */
  readonly peakRssMiB: number;
  /** Peak RSS at "ready" (node, tsx and the clients loaded), in MiB. */
  readonly readyRssMiB: number;
}

/** Control messages between the suite and its children, over the IPC channel. */
export type Control =
  | { readonly scale: 'ready' }
  | { readonly scale: 'go' }
  | { readonly scale: 'stop' }
  | { readonly scale: 'count'; readonly count: number }
  | { readonly scale: 'done'; readonly reports: readonly Report[] };

/** A forked child as its parent sees it. */
export interface ChildHandle {
  readonly ready: Promise<void>;
  /** Every report of the child (a process-transport consumer adds its producers'). */
  readonly done: Promise<readonly Report[]>;
  /** Records taken so far, as the child last said (consumers). */
  readonly count: () => number;
  send(message: Control): void;
  readonly process: import('node:child_process').ChildProcess;
}
