/**
 * `@logq/core/transport`: what a transport package is built from. An
 * application imports `@logq/core`; a transport (`@logq/zeromq`,
 * `@logq/amqp`, `@logq/redis`, `@logq/mongo`, `@logq/process`, or a third
 * party's) imports its building blocks from here: the queue handler and the
 * frame subscriber to extend, the wire codec, frame and delivery types,
 * redaction of secrets, backoff, the open-handler registry and the resolver.
 *
 * Application names (`Logger`, `LogRecord`, `Level`, `Handler`, ...) stay on
 * `@logq/core`. A few names are on both entry points (the error classes a
 * transport throws and an application catches, the subscriber base and its
 * options, the close types of a handler): they are the same bindings.
 * @packageDocumentation
 */

// --- The handler side -------------------------------------------------------

/**
 * The base of every transport handler (Logbook's queue handlers): a bounded
 * buffer, batching, an overflow policy, reconnect with backoff, flush and
 * close. A transport implements its `send`/`connect`/`disconnect` hooks.
 */
export {
  QueueHandler,
  RecordTooLargeError,
  type OverflowPolicy,
  type QueueHandlerOptions,
  type ReconnectOptions,
} from './queue-handler.js';
/** The handler contract a transport handler fulfils, and its close and stats types. */
export {
  COUNTS_OWN_DELIVERIES,
  type CloseOptions,
  type CloseResult,
  type HandlerOptions,
  type HandlerStats,
} from './handler.js';

// --- The subscriber side ----------------------------------------------------

/**
 * The subscriber bases: {@link SubscriberBase} for a transport that yields
 * records, {@link FrameSubscriber} for one that yields raw frames (it decodes,
 * validates and counts malformed frames), with the delivery and frame types,
 * timeout normalisation and an abortable sleep for backoff.
 */
export {
  FrameSubscriber,
  SubscriberBase,
  abortableSleep,
  normalizeTimeout,
  type Delivery,
  type ParsedFrame,
  type RawFrame,
  type SubscriberOptions,
  type SubscriberStats,
} from './subscriber.js';

// --- The wire format --------------------------------------------------------

/** The JSON wire codec shared with Python Logbook: encode, size, validate and decode a record. */
export {
  DEFAULT_MAX_RECORD_BYTES,
  decodeRecord,
  encodeDict,
  encodeRecord,
  frameBytes,
  validateWireDict,
  type DecodeOptions,
} from './codec.js';
/**
 * kombu's message envelope, as Logbook's `MessageQueueHandler` writes it:
 * wrap a record's JSON for a virtual transport (Redis, MongoDB), unwrap and
 * check one, and the AMQP message properties of a record.
 */
export {
  KOMBU_CONTENT_ENCODING,
  KOMBU_CONTENT_TYPE,
  kombuAmqpProperties,
  kombuContentProblem,
  maxKombuEnvelopeBytes,
  unwrapKombuEnvelope,
  wrapKombuEnvelope,
  type KombuAmqpProperties,
  type KombuBodyEncoding,
  type KombuContentProperties,
  type KombuEnvelopeOptions,
} from './kombu-envelope.js';
/** The keys of a record's wire dict (Logbook's `LogRecord.to_dict()`), and its type. */
export { WIRE_RECORD_KEYS, type WireRecord } from './record.js';
/** JSON values and the conversion of arbitrary values to JSON-safe ones. */
export { isJsonObject, toJsonSafe, type JsonObject, type JsonValue } from './json.js';
/** Logbook's timestamps: microseconds now, and the ISO form of the wire dict. */
export { formatIsoTime, nowMicros, parseIsoTime } from './time.js';

// --- Secrets ----------------------------------------------------------------

/** Redaction: secrets never appear in errors, `inspect` or JSON. */
export { SECRET_BRAND, Secret, redactSecrets, redactUri, scrubError } from './redact.js';

// --- Errors and error hooks -------------------------------------------------

/** The error classes a transport throws (also on `@logq/core`, where applications catch them). */
export { ClosedError, LogqError, RecordDecodeError, TransportNotFoundError, describeError } from './errors.js';
/** Error hooks: the default stderr hook and the guarded call of a user's hook. */
export { callErrorHook, createStderrErrorHook, type ErrorHook } from './error-hook.js';
/** Reports records a transport dropped (rate-limited, summed). */
export { DropReporter, RecordsDroppedError } from './drop-report.js';

// --- Plumbing ---------------------------------------------------------------

/** A bounded async FIFO with waiters, for a transport's received frames. */
export { AsyncQueue, type AsyncQueueOptions } from './async-queue.js';
/**
 * The open-handler registry that `shutdown()` closes and the exit flush
 * flushes: a transport handler tracks itself when it opens and untracks itself
 * when it closes; a wrapper lists what it wraps under {@link WRAPPED_HANDLERS}.
 */
export {
  WRAPPED_HANDLERS,
  closeWrappersFirst,
  openHandlers,
  outermostHandlers,
  trackHandler,
  untrackHandler,
  wrappedBy,
  type ClosedHandler,
  type WrapperHandler,
} from './open-handlers.js';
/** The exit flush (installed by the first tracked handler). */
export { ensureExitFlush, type ExitFlushRegistry } from './exit-flush.js';
/** Calls a function, then a callback once its result (or promise) settles. */
export { settleThen } from './stack.js';

// --- The resolver -----------------------------------------------------------

/** How a transport registers the URI schemes that `createHandler`/`createSubscriber` resolve. */
export { registerTransport, uriScheme, type TransportFactory, type TransportOptions } from './resolver.js';
