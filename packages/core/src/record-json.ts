import { toJsonSafe } from './json.js';
import { pyStr } from './pyformat/repr.js';
import { compiledTemplate } from './message-template.js';
import { LogRecord, WIRE_RECORD_KEYS } from './record.js';

/*
 * The wire JSON of a record, written directly. It is exactly
 * `JSON.stringify(record.toDict())` (a property test holds it to that), but
 * skips building the 23-key dict and V8's generic object walk: strings that
 * need no escaping are quoted by concatenation, everything else goes through
 * `JSON.stringify` itself.
 */

/** Characters that `JSON.stringify` escapes in a string: quote, backslash, controls, surrogates. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON text, identical to `JSON.stringify(text)`. */
export function jsonString(text: string): string {
  return text.length < 256 && !NEEDS_ESCAPE.test(text) ? `"${text}"` : JSON.stringify(text);
}

const quoted = new Map<string, string>();

/**
 * {@link jsonString} for strings that recur from record to record (channel,
 * template, process and thread names, extra's keys): looked up, not scanned.
 */
function recurringString(text: string): string {
  if (text.length > 200) return jsonString(text);
  let json = quoted.get(text);
  if (json === undefined) {
    json = jsonString(text);
    if (quoted.size >= 1024) quoted.clear();
    quoted.set(text, json);
  }
  return json;
}

/** A value as JSON text after {@link toJsonSafe}: identical to `JSON.stringify(toJsonSafe(value))`. */
export function safeJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    default:
      return value === null ? 'null' : JSON.stringify(toJsonSafe(value));
  }
}

function recurring(value: unknown): string {
  return typeof value === 'string' ? recurringString(value) : value === null ? 'null' : safeJson(value);
}

/** An array as `toDict` exports it (each element made JSON-safe). */
function arrayJson(values: readonly unknown[]): string {
  if (!Array.isArray(values)) return safeJson(values);
  let out = '[';
  for (let i = 0; i < values.length; i++) out += (i === 0 ? '' : ',') + safeJson(values[i]);
  return `${out}]`;
}

/** An object as `toDict` exports it (each value made JSON-safe, keys in `Object.keys` order). */
function objectJson(values: Readonly<Record<string, unknown>>): string {
  let out = '{';
  let first = true;
  for (const key of Object.keys(values)) {
    // `toDict` copies by assignment, which a `__proto__` key does not survive.
    if (key === '__proto__') continue;
    out += `${first ? '' : ','}${recurringString(key)}:${safeJson(values[key])}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The record's wire JSON: `JSON.stringify(record.toDict())`, built without the
 * intermediate dict. Never throws for records made by logq; a field set to a
 * value JSON cannot hold is made JSON-safe as `toDict` would leave it to
 * `JSON.stringify`.
 *
 * The text is joined from few pieces (a V8 string of few parts is cheaper to
 * flatten): a cached head for the channel and level, the template, the
 * arguments, the message, the time (written by logq, so quoted without a
 * scan) and a cached tail for the process, thread, call-site and error fields.
 */
export function recordJson(record: LogRecord): string {
  const { msg, args, kwargs, extra } = record;
  // A record carrying a long string: one `JSON.stringify` of the dict writes it once, where joining and
  // flattening pieces would copy it again (at 256 KiB: ~400 against ~650 µs on the bench machine).
  const noKwargs = isEmpty(kwargs);
  const noExtra = isEmpty(extra);
  if (hasLongString(msg, args, noKwargs ? null : kwargs, noExtra ? null : extra))
    return JSON.stringify(record.toDict());
  let msgJson = '';
  let messageJson: string | null = null;
  // Not formatted yet (a fresh record): a simple template with primitive arguments is written as JSON directly,
  // when its literal text needs no escaping (its JSON is no longer than the quotes make it). Not for a subclass,
  // which may format its message its own way.
  if (
    record['cachedMessage'] === null &&
    typeof msg === 'string' &&
    (args.length > 0 || !noKwargs) &&
    Object.getPrototypeOf(record) === LogRecord.prototype
  ) {
    msgJson = recurringString(msg);
    if (msgJson.length === msg.length + 2) messageJson = templateJson(msg, args, kwargs);
  }
  if (messageJson === null) {
    const message = record.message;
    // A template with arguments recurs; a message logged as is (msg === message) is quoted once for both fields.
    const formatted = typeof message !== 'string' || message !== msg;
    msgJson = formatted ? recurring(msg) : safeJson(message);
    messageJson = formatted ? safeJson(message) : msgJson;
  }
  const middle =
    noKwargs && noExtra
      ? EMPTY_KWARGS_EXTRA
      : `,"kwargs":${objectJson(kwargs)},"extra":${objectJson(extra)},"message":`;
  const rawTime = record.rawTime;
  let out =
    head(record.channel, record.level) +
    msgJson +
    ',"args":' +
    arrayJson(args) +
    middle +
    messageJson +
    (rawTime === null ? `,"time":"${record.isoTime}"` : `,"time":${safeJson(rawTime)}`);
  const unknown = record.unknownFields;
  if (unknown === null) return flatten(out + tailJson(record, '}'));
  out += tailJson(record, '');
  for (const key of Object.keys(unknown)) {
    if (key === '__proto__' || WIRE_RECORD_KEYS.has(key)) continue;
    out += `,${jsonString(key)}:${safeJson(unknown[key])}`;
  }
  return flatten(`${out}}`);
}

/**
 * The JSON text of `formatMessage(template, args, kwargs)` without building the
 * message first (the message is not cached on the record: it is made again,
 * identically, if read). Only for a compiled template (the caller checks that its
 * literal text needs no escaping) and arguments that are numbers, booleans, null or strings that
 * need no escaping (no surrogates either, so that escaping the pieces equals
 * escaping their concatenation); null for anything else.
 */
function templateJson(
  template: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>>,
): string | null {
  const compiled = compiledTemplate(template);
  if (compiled === null || !Array.isArray(args)) return null;
  let out = '"';
  for (let i = 0; i < compiled.length; i++) {
    const segment = compiled[i]!;
    let value: unknown;
    if (typeof segment === 'string') {
      out += segment;
      continue;
    } else if ('index' in segment) {
      if (segment.index >= args.length) return null;
      value = args[segment.index];
    } else {
      if (!Object.hasOwn(kwargs, segment.name)) return null;
      value = kwargs[segment.name];
    }
    if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
      out += pyStr(value);
    } else if (typeof value === 'string' && value.length < 256 && !NEEDS_ESCAPE.test(value)) {
      out += value;
    } else {
      return null;
    }
  }
  return `${out}"`;
}

/** Strings at least this long (in UTF-16 units) make {@link recordJson} take `JSON.stringify` of the dict. */
const LONG_STRING = 16 * 1024;

/** Whether the template, an argument, or a top-level value of kwargs or extra is a string of {@link LONG_STRING} or more. */
function hasLongString(
  msg: unknown,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>> | null,
  extra: Readonly<Record<string, unknown>> | null,
): boolean {
  if (isLongString(msg)) return true;
  if (Array.isArray(args)) for (const value of args) if (isLongString(value)) return true;
  return hasLongValue(kwargs) || hasLongValue(extra);
}

function hasLongValue(values: Readonly<Record<string, unknown>> | null): boolean {
  if (typeof values !== 'object' || values === null) return false;
  for (const key in values) if (isLongString(values[key])) return true;
  return false;
}

function isLongString(value: unknown): boolean {
  return typeof value === 'string' && value.length >= LONG_STRING;
}

const EMPTY_KWARGS_EXTRA = ',"kwargs":{},"extra":{},"message":';

/** Whether an object has no enumerable key (the usual kwargs and extra). */
function isEmpty(values: Readonly<Record<string, unknown>>): boolean {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _ in values) return false;
  return typeof values === 'object' && values !== null && !Array.isArray(values);
}

// The head `{"channel":…,"level":…,"msg":` of the last record of each channel.
const heads = new Map<string, { level: number; json: string }>();

function head(channel: string, level: number): string {
  if (typeof channel !== 'string' || typeof level !== 'number')
    return `{"channel":${recurring(channel)},"level":${safeJson(level)},"msg":`;
  let entry = heads.get(channel);
  if (entry === undefined || entry.level !== level) {
    entry = { level, json: flatten(`{"channel":${recurring(channel)},"level":${safeJson(level)},"msg":`) };
    if (heads.size >= 1024) heads.clear();
    heads.set(channel, entry);
  }
  return entry.json;
}

// Fewer pieces, less work: the process and thread fields are the same for every
// record a process makes, and a record without call site or error has a fixed tail.
let origin: {
  process: number | null;
  processName: string | null;
  thread: number | null;
  threadName: string | null;
  greenlet: number | null;
  json: string;
  plainTail: string;
} | null = null;

/** `,"process":…` to the end of the known fields, then `end`. */
function tailJson(record: LogRecord, end: string): string {
  const origin = originJson(record);
  return isPlain(record)
    ? end === ''
      ? origin.plainTail
      : origin.plainTail + end
    : origin.json + callsiteAndErrorJson(record) + end;
}

/** `,"process":…` to `"greenlet":…`: the text of the last record whose fields were the same, or new text. */
function originJson(record: LogRecord): NonNullable<typeof origin> {
  const { process, processName, thread, threadName, greenlet } = record;
  if (
    origin !== null &&
    origin.process === process &&
    origin.processName === processName &&
    origin.thread === thread &&
    origin.threadName === threadName &&
    origin.greenlet === greenlet
  ) {
    return origin;
  }
  const json = flatten(
    `,"process":${safeJson(process)},"process_name":${recurring(processName)}` +
      `,"thread":${safeJson(thread)},"thread_name":${recurring(threadName)},"greenlet":${safeJson(greenlet)}`,
  );
  origin = { process, processName, thread, threadName, greenlet, json, plainTail: flatten(json + PLAIN_TAIL) };
  return origin;
}

const PLAIN_TAIL =
  ',"func_name":null,"filename":null,"module":null,"lineno":null,"exception_name":null,"exception_message":null' +
  ',"formatted_exception":null,"frame_correction":0,"heavy_initialized":true,"information_pulled":true';

/** Whether the record has no call site and no error (the fixed tail). */
function isPlain(record: LogRecord): boolean {
  return (
    record.funcName === null &&
    record.filename === null &&
    record.module === null &&
    record.lineno === null &&
    record.exceptionName === null &&
    record.exceptionMessage === null &&
    record.formattedException === null &&
    record.frameCorrection === 0 &&
    record.heavyInitialized === true &&
    record.informationPulled === true
  );
}

/** `,"func_name":…` to `"information_pulled":…`. */
function callsiteAndErrorJson(record: LogRecord): string {
  return (
    `,"func_name":${safeJson(record.funcName)},"filename":${safeJson(record.filename)}` +
    `,"module":${safeJson(record.module)},"lineno":${safeJson(record.lineno)}` +
    `,"exception_name":${safeJson(record.exceptionName)},"exception_message":${safeJson(record.exceptionMessage)}` +
    `,"formatted_exception":${safeJson(record.formattedException)}` +
    `,"frame_correction":${safeJson(record.frameCorrection)},"heavy_initialized":${safeJson(record.heavyInitialized)}` +
    `,"information_pulled":${safeJson(record.informationPulled)}`
  );
}

/**
 * The text as one flat string. Concatenation leaves a tree of ~50 pieces
 * (a V8 cons string); buffered by the thousand until a batch is sent, those
 * trees cost the garbage collector more than the encoding saved. Reading a
 * character makes V8 flatten it once, here.
 */
function flatten(text: string): string {
  text.charCodeAt(0);
  return text;
}
