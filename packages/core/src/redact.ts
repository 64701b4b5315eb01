import { hasBrand } from './global-state.js';
import { inspect } from 'node:util';

const URI_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)([^@\s]*)@/gi;

/**
 * Removes the password from every URI found in `text` (`amqp://user:secret@host` becomes
 * `amqp://user:***@host`), so that secrets never reach an error message or a log line.
 */
export function redactSecrets(text: string): string {
  return text.replace(URI_PASSWORD, '$1***@');
}

/** Returns `uri` with any password replaced by `***`. Alias of {@link redactSecrets} for one URI. */
export function redactUri(uri: string): string {
  return redactSecrets(uri);
}

/** Marks {@link Secret} (`Symbol.for('logq.secret')`), so that a secret from one copy of core is kept hidden by another. */
export const SECRET_BRAND: unique symbol = Symbol.for('logq.secret') as never;

/** What a {@link Secret} shows wherever it is printed or serialised. */
const HIDDEN = '***';

/**
 * A value that must never be printed: a password, a key. `String()`, `JSON.stringify`,
 * `util.inspect` and template strings all show `***`; only {@link Secret.reveal} returns the value.
 * Transports keep credentials in a `Secret` (or a `#private` field) so that logging an options
 * object or a handler never leaks them.
 */
export class Secret<T = string> {
  readonly #value: T;
  /** The brand that marks secrets made by any copy of core. */
  readonly [SECRET_BRAND] = true;

  /** True for secrets made by any copy of core loaded in the process (`import` and `require` alike). */
  static [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, SECRET_BRAND);
  }

  /** Wraps `value`. */
  constructor(value: T) {
    this.#value = value;
  }

  /** The wrapped value, for the one place that must use it (a client's connect call). */
  reveal(): T {
    return this.#value;
  }

  /** `***`. */
  toString(): string {
    return HIDDEN;
  }

  /** `"***"` in `JSON.stringify`. */
  toJSON(): string {
    return HIDDEN;
  }

  /** `Secret(***)` in `util.inspect` and `console.log`. */
  [inspect.custom](): string {
    return `Secret(${HIDDEN})`;
  }
}

/** The secret strings worth scrubbing: at least 3 characters (shorter ones would mangle ordinary text). */
function usable(secrets: readonly (string | null | undefined)[]): string[] {
  return secrets.filter((s): s is string => typeof s === 'string' && s.length >= 3);
}

function scrubText(text: string, secrets: readonly string[]): string {
  let out = redactSecrets(text);
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(HIDDEN);
  return out;
}

/**
 * Removes `secrets` (and URI passwords) from a thrown value in place, through its whole
 * `cause` chain and `AggregateError.errors`, in every string it holds up to a few levels deep
 * (a client error's `command.args`, `options.password`, its `message` and `stack`). Returns the same
 * value, so that `throw scrubError(error, [password])` and `onError(scrubError(…))` read naturally.
 * Frozen or non-writable properties are left as they are.
 */
export function scrubError<T>(error: T, secrets: readonly (string | null | undefined)[] = []): T {
  const list = usable(secrets);
  const seen = new WeakSet<object>();
  const visit = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return scrubText(value, list);
    if (value === null || typeof value !== 'object' || depth > 6 || seen.has(value)) return value;
    if (hasBrand(value, SECRET_BRAND) || ArrayBuffer.isView(value)) return value;
    seen.add(value);
    const keys = new Set<string>(Object.getOwnPropertyNames(value));
    if (value instanceof Error) for (const key of ['message', 'stack', 'cause']) keys.add(key);
    for (const key of keys) {
      let current: unknown;
      try {
        current = (value as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      const next = visit(current, depth + 1);
      if (next !== current) {
        try {
          (value as Record<string, unknown>)[key] = next;
        } catch {
          // read-only: leave it
        }
      }
    }
    return value;
  };
  visit(error, 0);
  return error;
}
