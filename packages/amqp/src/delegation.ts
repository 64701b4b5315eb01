/**
 * `MessageQueueHandler` / `MessageQueueSubscriber` take any URI whose transport
 * is installed, as Logbook's do through kombu. For a scheme other than
 * `amqp(s)://` they hand the work to the transport that core's resolver finds
 * (`createHandler(uri, { queue })`): this file holds that delegation.
 */
import { inspect } from 'node:util';
import { type Handler, type LogRecord, createHandler, createSubscriber } from '@logq/core';
import {
  type CloseResult,
  type Delivery,
  type ErrorHook,
  type HandlerStats,
  type OverflowPolicy,
  type SubscriberBase,
  type TransportOptions,
  redactUri,
  scrubError,
} from '@logq/core/transport';
import { uriPassword } from './connection.js';
import { AmqpConfigError } from './errors.js';

/** Options that only mean something on AMQP: refused with a URI of another scheme. */
const AMQP_ONLY = [
  'tls',
  'declare',
  'deadLetterExchange',
  'queueArguments',
  'connectionName',
  'connectTimeoutMs',
  'persistent',
  'prefetch',
  'readAheadBytes',
  'malformedQueue',
  'durable',
  'queueType',
] as const;

/** Options of core's transport handlers and subscribers, handed on to the transport of another scheme when set. */
const PASSED_ON = ['maxBuffer', 'overflow', 'batchSize', 'lingerMs', 'reconnect', 'maxRecordBytes'] as const;

/**
 * The options for core's `createHandler(uri, options)` / `createSubscriber`
 * when the URI is not AMQP: `queue`, core's transport options that were set,
 * and an `onError` that reports through the outer object.
 * @throws {AmqpConfigError} for a string that is not a URI, or AMQP-only options.
 */
export function delegatedOptions(
  uri: string,
  options: object,
  queue: string,
  onError: ErrorHook,
  owner: string,
): TransportOptions {
  if (typeof uri !== 'string' || !/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    // Not echoed: a string that is no URI may still hold a password.
    throw new AmqpConfigError(
      `${owner} needs a URI such as amqp://guest:guest@localhost//, redis://localhost:6379/0 or mongodb://localhost:27017/logging`,
    );
  }
  const given = options as Record<string, unknown>;
  const refused = AMQP_ONLY.filter((key) => given[key] !== undefined);
  if (refused.length > 0) {
    throw new AmqpConfigError(
      `${refused.join(', ')} ${refused.length === 1 ? 'applies' : 'apply'} to amqp:// and amqps:// URIs only, not to ${redactUri(uri)}`,
    );
  }
  const out: Record<string, unknown> = { queue, onError };
  for (const key of PASSED_ON) if (given[key] !== undefined) out[key] = given[key];
  return out;
}

/** Counters as a live view: the delegate's, plus what the outer object counted itself. */
function statsView<S extends object>(own: S, inner: () => object | null, ownOnly: ReadonlySet<string>): S {
  const view = {} as S;
  const forwarded = (key: string): number => {
    if (ownOnly.has(key)) return 0;
    const value = (inner() as Record<string, unknown> | null)?.[key];
    return typeof value === 'number' ? value : 0;
  };
  const snapshot = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const key of Object.keys(own)) out[key] = (own as Record<string, number>)[key]! + forwarded(key);
    return out;
  };
  for (const key of Object.keys(own)) {
    Object.defineProperty(view, key, {
      enumerable: true,
      get: () => (own as Record<string, number>)[key]! + forwarded(key),
      set: (value: number) => {
        (own as Record<string, number>)[key] = value - forwarded(key);
      },
    });
  }
  Object.defineProperty(view, inspect.custom, { value: () => snapshot() });
  return view;
}

/** A value resolved later, whose state can be read synchronously. */
class Lazy<T> {
  value: T | null = null;
  error: Error | null = null;
  readonly promise: Promise<T>;

  constructor(make: () => Promise<T>) {
    this.promise = make().then(
      (value) => (this.value = value),
      (error: unknown) => {
        this.error = error instanceof Error ? error : new Error(String(error));
        throw this.error;
      },
    );
    this.promise.catch(() => {}); // read through `error`; never an unhandled rejection
  }
}

/** Settings of a {@link HandlerDelegation}. */
export interface HandlerDelegationSettings {
  readonly uri: string;
  readonly options: TransportOptions;
  readonly maxBuffer: number;
  readonly overflow: OverflowPolicy;
  /** The outer handler's error path (counts and calls its hook). */
  readonly report: ErrorHook;
}

/**
 * The handler side: resolves the transport lazily; until it exists, records
 * wait in a bounded buffer (overflow counted as dropped); then they are
 * handed on in order and later records go straight to it. When no installed
 * package handles the scheme, every record is dropped, counted and reported
 * with core's `TransportNotFoundError` (which names the package to install).
 */
export class HandlerDelegation<S extends HandlerStats> {
  private readonly lazy: Lazy<Handler>;
  /** The settings without the URI, which may hold a password (the object is printable). */
  private readonly settings: Omit<HandlerDelegationSettings, 'uri'>;
  /** The URI with its password as `***`. */
  private readonly safeUri: string;
  private readonly own: S;
  private waiting: LogRecord[] = [];
  private head = 0;
  private closing: Promise<CloseResult> | null = null;
  private gaveUp = false;
  /** The counters to expose as the outer handler's `stats`. */
  readonly stats: S;

  constructor(settings: HandlerDelegationSettings, own: S) {
    const { uri: _uri, ...rest } = settings;
    this.settings = rest;
    this.safeUri = redactUri(settings.uri);
    this.own = own;
    this.stats = statsView(own, () => this.lazy.value?.stats ?? null, new Set(['errors']));
    const secrets = [uriPassword(settings.uri)];
    this.lazy = new Lazy(async () => {
      try {
        return await createHandler(settings.uri, settings.options);
      } catch (error) {
        throw scrubError(error, secrets);
      }
    });
    this.lazy.promise.then(
      (inner) => {
        if (this.gaveUp) return; // close() gave up waiting and closes it
        const records = this.take();
        for (const record of records) inner.handle(record);
      },
      (error: unknown) => {
        const records = this.take();
        this.own.dropped += records.length;
        if (records.length === 0) settings.report(error);
        for (const record of records) settings.report(error, record);
      },
    );
  }

  /** The transport's handler once resolved, else null. */
  get inner(): Handler | null {
    return this.lazy.value;
  }

  private get pending(): number {
    return this.waiting.length - this.head;
  }

  private take(): LogRecord[] {
    const records = this.waiting.slice(this.head);
    this.waiting = [];
    this.head = 0;
    this.own.buffered = 0;
    return records;
  }

  /** Hands the record on, or buffers it until the transport exists. Never throws, never waits. */
  handle(record: LogRecord): void {
    const inner = this.lazy.value;
    if (inner !== null) {
      inner.handle(record);
      return;
    }
    const error = this.lazy.error;
    if (error !== null) {
      this.own.dropped++;
      this.settings.report(error, record);
      return;
    }
    if (this.pending >= this.settings.maxBuffer) {
      this.own.dropped++;
      if (this.settings.overflow === 'drop-newest') return;
      this.head++;
    }
    this.waiting.push(record);
    this.own.buffered = this.pending;
  }

  /** Resolves once the transport has everything logged so far; rejects when there is no transport. */
  async flush(): Promise<void> {
    const inner = await this.lazy.promise;
    await inner.flush();
  }

  /** Closes the transport's handler (within `timeoutMs`, resolution included). Idempotent. */
  close(timeoutMs: number): Promise<CloseResult> {
    this.closing ??= this.closeWithin(timeoutMs);
    return this.closing;
  }

  private async closeWithin(timeoutMs: number): Promise<CloseResult> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const resolved = await Promise.race([
      this.lazy.promise.then(
        () => true,
        () => true,
      ),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    const inner = this.lazy.value;
    if (!resolved || inner === null) {
      this.gaveUp = true;
      // No transport (or not in time): what waits for it is dropped, and counted.
      const left = this.take().length;
      this.own.dropped += left;
      if (left > 0) {
        const why = this.lazy.error ?? new Error(`no transport for ${this.safeUri} within ${timeoutMs} ms`);
        this.settings.report(why);
      }
      // A transport resolved after the deadline is closed at once.
      void this.lazy.promise.then(
        (late) => late.close({ timeoutMs: 0 }),
        () => undefined,
      );
      return { flushed: left === 0 && this.stats.dropped === 0, sent: 0, dropped: this.stats.dropped };
    }
    // Records buffered before resolution were handed on when it resolved.
    const result = await inner.close({ timeoutMs: Math.max(0, timeoutMs - (Date.now() - started)) });
    return { flushed: result.flushed, sent: this.stats.sent, dropped: this.stats.dropped };
  }
}

/** Settings of a {@link SubscriberDelegation}. */
export interface SubscriberDelegationSettings {
  readonly uri: string;
  readonly options: TransportOptions;
}

/**
 * The subscriber side: resolves the transport lazily; receives wait for the
 * resolution (and reject with core's `TransportNotFoundError` when no
 * installed package handles the scheme), then read from it.
 */
export class SubscriberDelegation<S extends object> {
  private readonly lazy: Lazy<SubscriberBase>;
  /** The counters to expose as the outer subscriber's `stats`. */
  readonly stats: S;

  constructor(settings: SubscriberDelegationSettings, own: S) {
    this.stats = statsView(own, () => this.lazy.value?.stats ?? null, new Set(['errors', 'dispatched']));
    const secrets = [uriPassword(settings.uri)];
    this.lazy = new Lazy(async () => {
      try {
        return await createSubscriber(settings.uri, settings.options);
      } catch (error) {
        throw scrubError(error, secrets);
      }
    });
  }

  /** The transport's subscriber once resolved, else null. */
  get inner(): SubscriberBase | null {
    return this.lazy.value;
  }

  /** Resolves the transport's subscriber; rejects when none handles the scheme. */
  ready(): Promise<SubscriberBase> {
    return this.lazy.promise;
  }

  /** The next delivery from the transport (its `ack` settles it there); see `SubscriberBase.receive`. */
  async receive(timeoutMs: number | null, signal: AbortSignal): Promise<Delivery | null> {
    let inner = this.lazy.value;
    if (inner === null) {
      if (this.lazy.error !== null) throw this.lazy.error;
      const started = Date.now();
      inner = await untilAborted(this.lazy.promise, signal);
      if (inner === null) return null;
      if (timeoutMs !== null && timeoutMs > 0) timeoutMs = Math.max(0, timeoutMs - (Date.now() - started));
    }
    return inner.receive(timeoutMs, signal);
  }

  /** Closes the transport's subscriber once it exists (at once when there is none). */
  async close(): Promise<void> {
    let inner: SubscriberBase;
    try {
      inner = await this.lazy.promise;
    } catch {
      return;
    }
    await inner.close();
  }
}

/** `promise`'s value, or null once `signal` aborts first. Rejects as `promise` does. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = (): void => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
