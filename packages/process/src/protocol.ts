import type { JsonObject } from '@logq/core/transport';

/**
 * The messages that `@logq/process` exchanges over an IPC channel. Each is a
 * plain object whose `logq` key names its kind, so that an application that
 * shares the channel can tell them from its own with {@link isLogqMessage}.
 *
 * Child to parent: `hello` (which queue?), `records` (a batch of frames, each
 * a record's Logbook dict, as JSON text or as the object itself), `credit`
 * (may I send more?).
 * Parent to child: `welcome`, `grant`, `refuse`.
 */

/** A child's first message: asks the parent to route its records to a queue. */
export interface HelloMessage {
  readonly logq: 'hello';
  /** The queue id, or null for the first queue attached to the channel. */
  readonly queue: string | null;
  /** The handler's id (unique in its process). */
  readonly handler: string;
}

/**
 * One record on the channel: its Logbook dict (`LogRecord.to_dict(json_safe=True)`),
 * either as JSON text or as the object itself. A process channel already
 * serializes each message as JSON, so handlers send the object there (the
 * record is encoded once, not escaped a second time); a thread's channel
 * clones strings fastest, so handlers send the text there.
 */
export type Frame = string | JsonObject;

/** A batch of records. */
export interface RecordsMessage {
  readonly logq: 'records';
  readonly queue: string | null;
  readonly handler: string;
  readonly frames: readonly Frame[];
}

/**
 * Asks for credit: `sent` is how many records the handler has posted so far.
 * The parent answers with a {@link GrantMessage} echoing `sent` once its queue
 * has room, which tells the child that all of them have left its window.
 */
export interface CreditMessage {
  readonly logq: 'credit';
  readonly queue: string | null;
  readonly handler: string;
  readonly sent: number;
}

/** The parent's answer to `hello`: the queue that takes the handler's records. */
export interface WelcomeMessage {
  readonly logq: 'welcome';
  readonly handler: string;
  readonly queue: string;
}

/** The parent's answer to `credit`, sent once its queue has room. */
export interface GrantMessage {
  readonly logq: 'grant';
  readonly handler: string;
  readonly sent: number;
}

/** The parent has no queue for the handler (not attached, unknown id, or closed). */
export interface RefuseMessage {
  readonly logq: 'refuse';
  readonly handler: string;
  readonly reason: string;
}

/** Any message of the protocol. */
export type LogqMessage = HelloMessage | RecordsMessage | CreditMessage | WelcomeMessage | GrantMessage | RefuseMessage;

const KINDS = new Set(['hello', 'records', 'credit', 'welcome', 'grant', 'refuse']);

/**
 * Whether an IPC message is one of logq's. An application that listens on the
 * same channel (`process.on('message')`, `child.on('message')`,
 * `parentPort.on('message')`) skips these.
 */
export function isLogqMessage(message: unknown): message is LogqMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { logq?: unknown }).logq === 'string' &&
    KINDS.has((message as { logq: string }).logq) &&
    typeof (message as { handler?: unknown }).handler === 'string'
  );
}
