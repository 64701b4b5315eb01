import { isMainThread, threadId } from 'node:worker_threads';
import { pyRepr } from './pyformat/index.js';
import { formatMessage } from './message-template.js';
import { type JsonObject, type JsonValue, isJsonObject, toJsonSafe } from './json.js';
import { levelName } from './levels.js';
import { formatIsoTime, nowMicros, parseIsoTime } from './time.js';
import { adoption } from './record-adopt.js';

/**
 * A record as it travels on the wire: exactly Logbook's
 * `LogRecord.to_dict(json_safe=True)`, snake_case keys. Keys that logq does
 * not know are kept when a record is decoded and encoded again.
 */
export interface WireRecord {
  channel: string;
  level: number;
  msg: string;
  args: JsonValue[];
  kwargs: JsonObject;
  extra: JsonObject;
  message: string;
  time: string;
  process: number | null;
  process_name: string | null;
  thread: number | null;
  thread_name: string | null;
  greenlet: number | null;
  func_name: string | null;
  filename: string | null;
  module: string | null;
  lineno: number | null;
  exception_name: string | null;
  exception_message: string | null;
  formatted_exception: string | null;
  frame_correction: number;
  heavy_initialized: boolean;
  information_pulled: boolean;
  [unknownKey: string]: JsonValue;
}

/** Fields of a new {@link LogRecord}. Only `channel`, `level` and `msg` are required. */
export interface LogRecordInit {
  /** The logger (channel) name. */
  readonly channel: string;
  /** Numeric level (see `Level`). */
  readonly level: number;
  /** The message template, in Python `str.format` syntax. */
  readonly msg: string;
  /** Positional arguments for `msg`. @default [] */
  readonly args?: readonly unknown[];
  /** Keyword arguments for `msg`. @default {} */
  readonly kwargs?: Readonly<Record<string, unknown>>;
  /** Extra context values (Logbook's `record.extra`). @default {} */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** An error to attach: fills the exception fields. */
  readonly error?: unknown;
  /** Time in microseconds since the epoch. @default now */
  readonly timeMicros?: number;
  /** Call site, when the caller captured it. */
  readonly callsite?: Callsite;
}

/** Where a log call was made. */
export interface Callsite {
  readonly funcName: string | null;
  readonly filename: string | null;
  readonly module: string | null;
  readonly lineno: number | null;
}

const PROCESS_ID = process.pid;
const THREAD_ID = threadId;
// `process.title` is a native getter: read it once, not per record.
const PROCESS_NAME = process.title;
const THREAD_NAME = isMainThread ? 'MainThread' : `Worker-${threadId}`;

/** The fields that {@link LogRecord.toDict} writes, in Logbook's order. */
export const WIRE_RECORD_KEYS: ReadonlySet<string> = new Set([
  'channel',
  'level',
  'msg',
  'args',
  'kwargs',
  'extra',
  'message',
  'time',
  'process',
  'process_name',
  'thread',
  'thread_name',
  'greenlet',
  'func_name',
  'filename',
  'module',
  'lineno',
  'exception_name',
  'exception_message',
  'formatted_exception',
  'frame_correction',
  'heavy_initialized',
  'information_pulled',
]);

/**
 * One log record: Logbook's `LogRecord` with camelCase fields. Created by a
 * {@link Logger} call or decoded from the wire with {@link LogRecord.fromDict}.
 */
export class LogRecord {
  /** The channel (logger name). */
  channel: string;
  /** Numeric level. */
  level: number;
  /** The unformatted message template. */
  msg: string;
  /** Positional arguments of the template. */
  args: unknown[];
  /** Keyword arguments of the template. */
  kwargs: Record<string, unknown>;
  /** Extra values (processors add here). */
  extra: Record<string, unknown>;
  private micros: number;
  private isoCache: string | null = null;
  /** The `time` text exactly as received, kept so that a re-encoded record is unchanged. */
  rawTime: string | null = null;
  /** Process id of the producer. */
  process: number | null = PROCESS_ID;
  /** Process name of the producer. */
  processName: string | null = PROCESS_NAME;
  /** Thread id (worker_threads `threadId`; 0 on the main thread). */
  thread: number | null = THREAD_ID;
  /** Thread name (`MainThread` or `Worker-<id>`). */
  threadName: string | null = THREAD_NAME;
  /** Logbook's greenlet id; logq writes the thread id, as Logbook does without gevent. */
  greenlet: number | null = THREAD_ID;
  /** Function of the call site, when captured. */
  funcName: string | null = null;
  /** File of the call site, when captured. */
  filename: string | null = null;
  /** Module of the call site, when captured. */
  module: string | null = null;
  /** Line of the call site, when captured. */
  lineno: number | null = null;
  /** Name of the attached exception (`TypeError`). */
  exceptionName: string | null = null;
  /** Message of the attached exception. */
  exceptionMessage: string | null = null;
  /** The attached exception's stack text. */
  formattedException: string | null = null;
  /** Logbook's frame correction (kept for the wire). */
  frameCorrection = 0;
  /** Logbook's `heavy_initialized` (always true once created). */
  heavyInitialized = true;
  /** Logbook's `information_pulled` (true once the record was exported). */
  informationPulled = true;
  /** Wire keys that logq does not know, kept for re-encoding. */
  unknownFields: Record<string, JsonValue> | null = null;
  private cachedMessage: string | null = null;

  constructor(init: LogRecordInit) {
    // A logger's own rest array is taken as is (see record-adopt.ts); the flag holds for this construction only.
    const adopt = adoption.on;
    const adoptAll = adoption.all;
    adoption.on = false;
    adoption.all = false;
    this.channel = init.channel;
    this.level = init.level;
    this.msg = init.msg;
    this.args = init.args ? (adopt || adoptAll ? (init.args as unknown[]) : [...init.args]) : [];
    this.kwargs = init.kwargs ? (adoptAll ? (init.kwargs as Record<string, unknown>) : { ...init.kwargs }) : {};
    this.extra = init.extra ? (adoptAll ? (init.extra as Record<string, unknown>) : { ...init.extra }) : {};
    this.micros = init.timeMicros ?? nowMicros();
    if (init.callsite) {
      this.funcName = init.callsite.funcName;
      this.filename = init.callsite.filename;
      this.module = init.callsite.module;
      this.lineno = init.callsite.lineno;
    }
    if (init.error !== undefined) this.setError(init.error);
  }

  /** The level's name (`WARNING`). */
  get levelName(): string {
    return levelName(this.level);
  }

  /** The record time as a Date (millisecond precision; see {@link timeMicros}). */
  get time(): Date {
    return new Date(Math.floor(this.timeMicros / 1000));
  }

  /** Microseconds since the epoch. Setting it forgets the received `time` text. */
  get timeMicros(): number {
    return this.micros;
  }

  set timeMicros(value: number) {
    this.micros = value;
    this.isoCache = null;
    this.rawTime = null;
  }

  /** The time as it goes on the wire: as received, or ISO with six fraction digits. */
  get isoTime(): string {
    return this.rawTime ?? (this.isoCache ??= formatIsoTime(this.micros));
  }

  /**
   * `msg` formatted with `args` and `kwargs` (Python `str.format`), or `msg`
   * itself when there are none, as Logbook does. Never throws: a template
   * that does not fit its arguments gives Logbook's explanatory text instead.
   */
  get message(): string {
    if (this.cachedMessage !== null) return this.cachedMessage;
    let text: string;
    if (this.args.length === 0 && hasNoKeys(this.kwargs)) {
      text = this.msg;
    } else {
      try {
        text = formatMessage(this.msg, this.args, this.kwargs);
      } catch (error) {
        text =
          `Could not format message with provided arguments: ${error instanceof Error ? error.message : String(error)}\n` +
          `  msg=${pyRepr(this.msg)}\n  args=${pyRepr(this.args)} \n  kwargs=${pyRepr(this.kwargs)}.\n` +
          `  Happened in file ${this.filename ?? 'None'}, line ${this.lineno ?? 'None'}`;
      }
    }
    this.cachedMessage = text;
    return text;
  }

  set message(value: string) {
    this.cachedMessage = value;
  }

  /** Fills the exception fields from any thrown value. */
  setError(error: unknown): void {
    if (error instanceof Error) {
      this.exceptionName = error.name || error.constructor?.name || 'Error';
      this.exceptionMessage = error.message;
      this.formattedException = formatErrorStack(error);
    } else {
      this.exceptionName =
        error === null ? 'null' : typeof error === 'object' ? (error.constructor?.name ?? 'Object') : typeof error;
      this.exceptionMessage = typeof error === 'string' ? error : JSON.stringify(toJsonSafe(error));
      this.formattedException = `${this.exceptionName}: ${this.exceptionMessage}`;
    }
  }

  /** Copy of this record (shallow copies of args, kwargs, extra). */
  clone(): LogRecord {
    return LogRecord.fromDict(this.toDict());
  }

  /** The wire dict: Logbook's `to_dict(json_safe=True)`. Never throws. */
  toDict(): WireRecord {
    const dict: WireRecord = {
      channel: this.channel,
      level: this.level,
      msg: this.msg,
      args: safeArray(this.args),
      kwargs: safeObject(this.kwargs),
      extra: safeObject(this.extra),
      message: this.message,
      time: this.isoTime,
      process: this.process,
      process_name: this.processName,
      thread: this.thread,
      thread_name: this.threadName,
      greenlet: this.greenlet,
      func_name: this.funcName,
      filename: this.filename,
      module: this.module,
      lineno: this.lineno,
      exception_name: this.exceptionName,
      exception_message: this.exceptionMessage,
      formatted_exception: this.formattedException,
      frame_correction: this.frameCorrection,
      heavy_initialized: this.heavyInitialized,
      information_pulled: this.informationPulled,
    };
    if (this.unknownFields) {
      for (const key of Object.keys(this.unknownFields)) {
        // A known key set in `unknownFields` by hand does not override the record's own field.
        if (!WIRE_RECORD_KEYS.has(key)) dict[key] = this.unknownFields[key] as JsonValue;
      }
    }
    return dict;
  }

  /**
   * Builds a record from a wire dict (Logbook's `LogRecord.from_dict`). The
   * dict must already be validated (see `decodeRecord`); missing optional
   * fields get Logbook's defaults, unknown keys are kept.
   *
   * @param dict - the wire dict.
   * @param adopt - true when the caller hands the dict over: its `args`,
   *   `kwargs` and `extra` become the record's own instead of being copied
   *   (`decodeRecord` does this with the dict it has just parsed).
   */
  static fromDict(dict: Readonly<Record<string, unknown>>, adopt = false): LogRecord {
    // Each field is read once; the same reads count the wire fields present (for the unknown-key check below).
    const {
      channel,
      level,
      msg,
      args,
      kwargs,
      extra,
      message,
      time,
      process: pid,
      process_name: processName,
      thread,
      thread_name: threadName,
      greenlet,
      func_name: funcName,
      filename,
      module,
      lineno,
      exception_name: exceptionName,
      exception_message: exceptionMessage,
      formatted_exception: formattedException,
      frame_correction: frameCorrection,
      heavy_initialized: heavyInitialized,
      information_pulled: informationPulled,
    } = dict;
    const timeText = typeof time === 'string' ? time : null;
    const parsed = timeText === null ? null : parseIsoTime(timeText);
    const init: LogRecordInit = {
      channel: String(channel),
      level: Number(level),
      msg: typeof msg === 'string' ? msg : String(message ?? ''),
      timeMicros: parsed ?? nowMicros(),
      args: Array.isArray(args) ? (args as unknown[]) : undefined,
      kwargs: isJsonObject(kwargs) ? kwargs : undefined,
      extra: isJsonObject(extra) ? extra : undefined,
    };
    // Handed over: the record takes the dict's args, kwargs and extra as they are (no empty defaults made and dropped).
    adoption.all = adopt;
    const record = new LogRecord(init);
    if (parsed !== null && timeText !== null) record.rawTime = timeText;
    if (typeof message === 'string') record.message = message;
    record.process = numberOrNull(pid);
    record.processName = stringOrNull(processName);
    record.thread = numberOrNull(thread);
    record.threadName = stringOrNull(threadName);
    record.greenlet = numberOrNull(greenlet);
    record.funcName = stringOrNull(funcName);
    record.filename = stringOrNull(filename);
    record.module = stringOrNull(module);
    record.lineno = numberOrNull(lineno);
    record.exceptionName = stringOrNull(exceptionName);
    record.exceptionMessage = stringOrNull(exceptionMessage);
    record.formattedException = stringOrNull(formattedException);
    record.frameCorrection = typeof frameCorrection === 'number' ? frameCorrection : 0;
    record.heavyInitialized = heavyInitialized !== false;
    record.informationPulled = informationPulled !== false;
    const wireFields =
      has(channel) +
      has(level) +
      has(msg) +
      has(args) +
      has(kwargs) +
      has(extra) +
      has(message) +
      has(time) +
      has(pid) +
      has(processName) +
      has(thread) +
      has(threadName) +
      has(greenlet) +
      has(funcName) +
      has(filename) +
      has(module) +
      has(lineno) +
      has(exceptionName) +
      has(exceptionMessage) +
      has(formattedException) +
      has(frameCorrection) +
      has(heavyInitialized) +
      has(informationPulled);
    if (countKeys(dict) > wireFields) {
      for (const key of Object.keys(dict)) {
        if (WIRE_RECORD_KEYS.has(key)) continue;
        record.unknownFields ??= {};
        record.unknownFields[key] = toJsonSafe(dict[key]);
      }
    }
    return record;
  }
}

/** Whether an object has no enumerable key (cheaper than `Object.keys(o).length === 0`). */
function hasNoKeys(values: Readonly<Record<string, unknown>>): boolean {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _ in values) return false;
  return true;
}

/** How many enumerable keys `dict` has (counting is much cheaper than listing them). */
function countKeys(dict: Readonly<Record<string, unknown>>): number {
  let keys = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _ in dict) keys++;
  return keys;
}

function has(value: unknown): number {
  return value === undefined ? 0 : 1;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : value === null || value === undefined ? null : String(value);
}

function isPrimitive(value: unknown): value is string | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean';
}

function safeArray(values: readonly unknown[]): JsonValue[] {
  // Fast path for the common case of primitive arguments.
  if (values.every((v) => isPrimitive(v) || (typeof v === 'number' && Number.isFinite(v))))
    return values as JsonValue[];
  return values.map(toJsonSafe);
}

function safeObject(values: Readonly<Record<string, unknown>>): JsonObject {
  const out: JsonObject = {};
  // Fast path: no keys at all (the usual kwargs).
  for (const _ in values) return copySafe(values, out);
  return out;
}

function copySafe(values: Readonly<Record<string, unknown>>, out: JsonObject): JsonObject {
  for (const key of Object.keys(values)) out[key] = toJsonSafe(values[key]);
  return out;
}

/** The stack text of an error, with its `cause` chain, as Python prints chained tracebacks. */
export function formatErrorStack(error: Error): string {
  const parts: string[] = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current instanceof Error && !seen.has(current) && parts.length < 8) {
    seen.add(current);
    parts.push(current.stack ?? `${current.name}: ${current.message}`);
    current = current.cause;
  }
  return parts.reverse().join('\n\nThe above exception was the direct cause of the following exception:\n\n');
}
