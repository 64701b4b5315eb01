import { hasBrand } from './global-state.js';
import { dispatchRecord } from './dispatch.js';
import { callErrorHook, createStderrErrorHook, type ErrorHook } from './error-hook.js';
import type { Handler } from './handler.js';
import { type LevelLike, Level, lookupLevel } from './levels.js';
import { type Callsite, LogRecord, type LogRecordInit } from './record.js';
import { adoption } from './record-adopt.js';

/** Marks {@link KeywordArgs} (`Symbol.for('logq.kw')`), so that `kw()` from one copy of core works in another. */
export const KW_BRAND: unique symbol = Symbol.for('logq.kw') as never;

/** Keyword arguments, extra values and an error for one log call; make them with {@link kw}. */
export class KeywordArgs {
  /** The brand that marks keyword arguments made by any copy of core. */
  readonly [KW_BRAND] = true;

  /** True for keyword arguments made by any copy of core loaded in the process (`import` and `require` alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, KW_BRAND);
  }

  constructor(
    /** Keyword arguments of the message template. */
    readonly kwargs: Readonly<Record<string, unknown>>,
    /** Values for `record.extra`. */
    readonly extra: Readonly<Record<string, unknown>> | undefined,
    /** An error to attach. */
    readonly error: unknown,
  ) {}
}

/** Options of {@link kw}. */
export interface KwOptions {
  /** Values for `record.extra`. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** An error to attach (fills the exception fields). */
  readonly error?: unknown;
}

/**
 * Marks the last argument of a log call as Python keyword arguments:
 * `log.info('{user} logged in', kw({ user }))` is Logbook's
 * `log.info('{user} logged in', user=user)`.
 */
export function kw(kwargs: Readonly<Record<string, unknown>> = {}, options: KwOptions = {}): KeywordArgs {
  return new KeywordArgs(kwargs, options.extra, options.error);
}

/** Options of {@link Logger}. */
export interface LoggerOptions {
  /** Lowest level this logger emits. @default NOTSET */
  readonly level?: LevelLike;
  /** Handlers tried before the handler stacks (Logbook's `logger.handlers`). @default [] */
  readonly handlers?: readonly Handler[];
  /** Called on each record before the processor stack (Logbook's `Logger.process_record`). */
  readonly processor?: (record: LogRecord) => void;
  /** Capture function, file and line of each call (costs a stack trace per call). @default false */
  readonly callsite?: boolean;
  /** Receives errors of the logger itself. @default one rate-limited line on stderr */
  readonly onError?: ErrorHook;
}

/**
 * Logbook's `Logger`: `logger.warn('{} is odd', value)` makes a record and
 * dispatches it through the handler stacks. A log call never throws and never
 * waits on the network.
 */
export class Logger {
  /** The channel name written on every record. */
  name: string;
  /** Lowest level emitted. */
  level: number;
  /** Handlers tried before the stacks. */
  handlers: Handler[];
  /** A disabled logger emits nothing. */
  disabled = false;
  private readonly processor: ((record: LogRecord) => void) | undefined;
  private readonly callsite: boolean;
  private readonly onError: ErrorHook;

  constructor(name = 'Generic', options: LoggerOptions = {}) {
    this.name = name;
    this.level = lookupLevel(options.level ?? Level.NOTSET);
    this.handlers = [...(options.handlers ?? [])];
    this.processor = options.processor;
    this.callsite = options.callsite ?? false;
    this.onError = options.onError ?? createStderrErrorHook(`Logger(${name})`);
  }

  /** Whether a record of `level` would be emitted. */
  isEnabledFor(level: number): boolean {
    return !this.disabled && level >= this.level;
  }

  /** Logs at TRACE. */
  trace(msg: string, ...args: unknown[]): void {
    this.emit(Level.TRACE, msg, args, undefined);
  }
  /** Logs at DEBUG. */
  debug(msg: string, ...args: unknown[]): void {
    this.emit(Level.DEBUG, msg, args, undefined);
  }
  /** Logs at INFO. */
  info(msg: string, ...args: unknown[]): void {
    this.emit(Level.INFO, msg, args, undefined);
  }
  /** Logs at NOTICE. */
  notice(msg: string, ...args: unknown[]): void {
    this.emit(Level.NOTICE, msg, args, undefined);
  }
  /** Logs at WARNING. */
  warn(msg: string, ...args: unknown[]): void {
    this.emit(Level.WARNING, msg, args, undefined);
  }
  /** Logs at WARNING (alias of {@link warn}). */
  warning(msg: string, ...args: unknown[]): void {
    this.emit(Level.WARNING, msg, args, undefined);
  }
  /** Logs at ERROR. */
  error(msg: string, ...args: unknown[]): void {
    this.emit(Level.ERROR, msg, args, undefined);
  }
  /** Logs at CRITICAL. */
  critical(msg: string, ...args: unknown[]): void {
    this.emit(Level.CRITICAL, msg, args, undefined);
  }

  /** Logs at ERROR with `error`'s name, message and stack in the exception fields. */
  exception(msg: string, error: unknown, ...args: unknown[]): void {
    this.emit(Level.ERROR, msg, args, error);
  }

  /** Logs at any level, given by number or name. */
  log(level: LevelLike, msg: string, ...args: unknown[]): void {
    let numeric: number;
    try {
      numeric = lookupLevel(level);
    } catch (error) {
      callErrorHook(this.onError, error);
      numeric = Level.NOTSET;
    }
    this.emit(numeric, msg, args, undefined);
  }

  /** Dispatches a ready record through this logger's handlers and the stacks. */
  handle(record: LogRecord): boolean {
    return dispatchRecord(record, this.handlers, this.processor);
  }

  private emit(level: number, msg: string, args: unknown[], error: unknown): void {
    if (this.disabled || level < this.level) return;
    try {
      const last = args[args.length - 1];
      const keywords = hasBrand(last, KW_BRAND) ? (last as KeywordArgs) : undefined;
      if (keywords) args.pop();
      const init: LogRecordInit = {
        channel: this.name,
        level,
        msg: typeof msg === 'string' ? msg : String(msg),
        args,
        kwargs: keywords?.kwargs,
        extra: keywords?.extra,
        error: error !== undefined ? error : keywords?.error,
        callsite: this.callsite ? captureCallsite() : undefined,
      };
      // `args` is this call's own rest array: the record takes it without a copy.
      adoption.on = true;
      const record = new LogRecord(init);
      this.handle(record);
    } catch (failure) {
      callErrorHook(this.onError, failure);
    }
  }
}

const FRAME_RE = /at (?:(.+?) \()?(?:file:\/\/)?(.+?):(\d+):\d+\)?$/;

function captureCallsite(): Callsite {
  const stack = new Error().stack?.split('\n') ?? [];
  // [0] "Error", [1] captureCallsite, [2] Logger.emit, [3] Logger.<level>, [4] the caller.
  const line = stack[4] ?? '';
  const m = FRAME_RE.exec(line.trim());
  if (!m) return { funcName: null, filename: null, module: null, lineno: null };
  const filename = m[2] ?? null;
  const base = filename?.split('/').pop() ?? null;
  return {
    funcName: m[1] ?? '<module>',
    filename,
    module: base ? base.replace(/\.[cm]?[jt]s$/, '') : null,
    lineno: Number(m[3]),
  };
}
