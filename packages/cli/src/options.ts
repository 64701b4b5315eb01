import type { TransportOptions } from '@logq/core';
import { UsageError } from './errors.js';

/** Parses `key=value`; the value as JSON when it is JSON (`5`, `true`, `"x"`, `{...}`), else as text. */
export function parseKeyValue(text: string, flag: string, command: string): [string, unknown] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`${flag} expects key=value, got ${JSON.stringify(text)}`, command);
  const raw = text.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // plain text
  }
  return [text.slice(0, eq), value];
}

/** The transport options given on the command line. */
export interface TransportFlags {
  /** `--queue NAME`: the queue (AMQP, MongoDB) or key (Redis). */
  readonly queue?: string | undefined;
  /** `--multi`: ZeroMQ's multi mode (the subscriber's PULL socket binds). */
  readonly multi?: boolean | undefined;
  /** `-o key=value`, repeated: any other option of the transport. */
  readonly option?: readonly string[] | undefined;
}

/** Builds the options object handed to `createHandler`/`createSubscriber`. */
export function transportOptions(flags: TransportFlags, command: string, flag = '--option'): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (flags.queue !== undefined) {
    options.queue = flags.queue;
    options.key = flags.queue;
  }
  if (flags.multi) options.multi = true;
  for (const entry of flags.option ?? []) {
    const [key, value] = parseKeyValue(entry, flag, command);
    options[key] = value;
  }
  return options satisfies TransportOptions;
}

/** Parses a duration in seconds (`--timeout 30`, `--status-every 0.5`). */
export function parseSeconds(text: string | undefined, flag: string, command: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new UsageError(`${flag} expects a number of seconds, got ${JSON.stringify(text)}`, command);
  return value;
}
