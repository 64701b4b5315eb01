// What the process suite's parent (process.bench.ts) and its children (process-child.ts) share: the kinds of
// children, the paths, the control messages and the batching constants.

/** How the producers are started: `child_process.fork`, `cluster.fork` or a `worker_threads` `Worker`. */
export type Kind = 'fork' | 'cluster' | 'thread';
/** `raw`: one message per record dict; `batch`: arrays of {@link BATCH} dicts; `logq`: `MultiProcessingHandler`. */
export type Mode = 'raw' | 'batch' | 'logq';

/** Records per raw batch message: logq's `MultiProcessingHandler` posts up to `batchSize` 256 records per message. */
export const BATCH = 256;
/** Records a raw producer lets be in flight (sent, not yet written): logq's credit `window` is 4096 records. */
export const WINDOW = 4096;
/** Records between two yields to the event loop, in every producer. */
export const YIELD_EVERY = 1024;

/** The suite's own messages, beside the records, on each channel. */
export interface Control {
  readonly bench: 'go' | 'ready' | 'done' | 'cost';
  /** With "go": records to send this round. */
  readonly n?: number;
  readonly logqNs?: readonly number[];
  readonly rawNs?: readonly number[];
  /** CPU time the child spent on the round, in µs (a thread reports its whole process's: the parent ignores it). */
  readonly cpuUs?: number;
}

export const isControl = (m: unknown): m is Control => typeof m === 'object' && m !== null && 'bench' in m;

/** What a worker thread producer is given through `workerData` (the queue copies as `{ id }`). */
export interface ThreadData {
  readonly mode: Mode;
  readonly rounds: number;
  readonly queue: { readonly id: string };
}
