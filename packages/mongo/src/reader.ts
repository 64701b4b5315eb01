import type { ParsedFrame } from '@logq/core/transport';
import type { Collection, Db, Document, MongoClient } from 'mongodb';

/**
 * One document taken from the collection, as a frame for core's
 * `FrameSubscriber`: the document as stored (`dict`), its BSON size when the
 * reader knows it, and what to do once it was dispatched or found malformed.
 */
export interface ReceivedDocument extends ParsedFrame {
  /** The document as stored. */
  readonly dict: Document;
  /** Acknowledges it (work queue: deletes or marks it; broadcast: nothing). */
  ack(): void | Promise<void>;
  /** Sets a malformed document aside (work queue: moved to `<collection>.malformed`, as it is). */
  reject(): void | Promise<void>;
}

/** The connection a reader works on, opened lazily by the subscriber. */
export interface ReaderConnection {
  readonly client: MongoClient;
  readonly db: Db;
  readonly collection: Collection<Document>;
}

/**
 * What the subscriber needs from a mode: the next document (same timeout and
 * abort contract as `FrameSubscriber.receiveFrame`) and an orderly close.
 */
export interface DocumentReader {
  next(timeoutMs: number | null, signal: AbortSignal): Promise<ReceivedDocument | null>;
  /** Releases what the reader holds (claims, cursors). The connection stays open. */
  close(): Promise<void>;
}

/** Resolves with the promise's outcome, or with `undefined` as soon as `signal` aborts (the promise runs on). */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Remaining ms until `deadline` (null: forever). */
export function remainingMs(deadline: number | null): number | null {
  return deadline === null ? null : Math.max(0, deadline - Date.now());
}

/**
 * How many documents to ask for in one reply so that it holds about `budget`
 * bytes, judging by the largest document of the previous reply (`largest`,
 * 0 when none was read yet: `probe` documents then). Neither FerretDB nor a
 * cursor caps a reply by bytes, so this is what bounds the read-ahead.
 */
export function replyDocuments(limit: number, budget: number, largest: number, probe = 4): number {
  if (largest <= 0) return Math.max(1, Math.min(limit, probe));
  return Math.max(1, Math.min(limit, Math.floor(budget / largest)));
}
