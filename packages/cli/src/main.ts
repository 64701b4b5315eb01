import { parseArgs, type ParseArgsConfig } from 'node:util';
import { lookupLevel, TransportNotFoundError } from '@logq/core';
import { describeError, redactUri } from '@logq/core/transport';
import { bridge, type BridgeStats } from './bridge.js';
import { UsageError } from './errors.js';
import { createRecordFilter } from './filter.js';
import { parseKeyValue, parseSeconds, transportOptions } from './options.js';
import { send } from './send.js';
import { tail, tailSummary } from './tail.js';
import { exitOnClosedStdout, say, useColour, writeLine } from './terminal.js';
import { loadPlugins } from './transports.js';
import { USAGE } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON: Options = {
  help: { type: 'boolean', short: 'h' },
  require: { type: 'string', multiple: true },
  queue: { type: 'string' },
  option: { type: 'string', short: 'o', multiple: true },
};
const FILTERS: Options = {
  level: { type: 'string' },
  channel: { type: 'string' },
  grep: { type: 'string' },
};
const COMMANDS: Readonly<Record<string, Options>> = {
  tail: { ...COMMON, ...FILTERS, json: { type: 'boolean' }, multi: { type: 'boolean' } },
  send: {
    ...COMMON,
    level: { type: 'string' },
    channel: { type: 'string' },
    kw: { type: 'string', multiple: true },
    stdin: { type: 'boolean' },
    timeout: { type: 'string' },
  },
  bridge: {
    ...COMMON,
    ...FILTERS,
    multi: { type: 'boolean' },
    'to-queue': { type: 'string' },
    'to-option': { type: 'string', multiple: true },
    'status-every': { type: 'string' },
  },
};

type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

function parse(command: string, args: readonly string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: COMMANDS[command]!,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command);
  }
}

const str = (v: Values[string]): string | undefined => (typeof v === 'string' ? v : undefined);
const list = (v: Values[string]): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function level(text: string | undefined, command: string, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  try {
    return lookupLevel(/^\d+$/.test(text) ? Number(text) : text.toUpperCase());
  } catch {
    throw new UsageError(
      `--level: no such level ${JSON.stringify(text)} (trace, debug, info, notice, warning, error, critical)`,
      command,
    );
  }
}

function positionals(command: string, got: string[], min: number, max: number): string[] {
  if (got.length < min) throw new UsageError(`${command}: missing ${min === 1 ? 'the URI' : 'URIs'}`, command);
  if (got.length > max) throw new UsageError(`${command}: unexpected argument ${JSON.stringify(got[max])}`, command);
  return got;
}

function filterOf(values: Values, command: string) {
  return createRecordFilter({
    level: level(str(values.level), command),
    channel: str(values.channel),
    grep: str(values.grep),
  });
}

/** Aborts on the first SIGINT/SIGTERM; a second one ends the process at once (exit 130). */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}

async function runTail(values: Values, args: string[]): Promise<number> {
  const [uri] = positionals('tail', args, 1, 1);
  const filter = filterOf(values, 'tail');
  const transport = transportOptions(
    { queue: str(values.queue), multi: values.multi === true, option: list(values.option) },
    'tail',
  );
  const signal = interruptSignal();
  exitOnClosedStdout();
  const started = Date.now();
  const result = await tail({
    uri: uri!,
    transport,
    filter,
    json: values.json === true,
    colour: useColour(process.stdout),
    signal,
  });
  process.stderr.write(`\n${tailSummary(result, (Date.now() - started) / 1000)}\n`);
  return 0;
}

async function runSend(values: Values, args: string[]): Promise<number> {
  const stdin = values.stdin === true;
  const [uri, message] = positionals('send', args, 1, stdin ? 1 : 2);
  if (!stdin && message === undefined)
    throw new UsageError('send: give a message, or --stdin to send the lines of stdin', 'send');
  const kwargs = Object.fromEntries(list(values.kw).map((entry) => parseKeyValue(entry, '--kw', 'send')));
  const result = await send({
    uri: uri!,
    transport: transportOptions({ queue: str(values.queue), option: list(values.option) }, 'send'),
    channel: str(values.channel) ?? 'logq',
    level: level(str(values.level), 'send', 11)!,
    kwargs,
    message: stdin ? null : message!,
    input: process.stdin,
    timeoutMs: parseSeconds(str(values.timeout), '--timeout', 'send', 30) * 1000,
  });
  const total = result.records + result.messages;
  process.stderr.write(
    `logq send: ${result.delivered} of ${total} delivered to ${redactUri(uri!)} (${result.records} records, ${result.messages} messages` +
      `${result.skipped ? `, ${result.skipped} blank lines skipped` : ''})${result.undelivered > 0 ? `; ${result.undelivered} NOT delivered` : ''}\n`,
  );
  return result.undelivered > 0 ? 1 : 0;
}

function statusText(stats: BridgeStats, rate: number): string {
  return (
    `${rate.toFixed(1)} records/s, ${stats.delivered} delivered, ${stats.filtered} filtered, ${stats.dropped} dropped` +
    `${stats.reconnecting ? ', reconnecting' : ''}`
  );
}

async function runBridge(values: Values, args: string[]): Promise<number> {
  const [from, to] = positionals('bridge', args, 2, 2);
  const filter = filterOf(values, 'bridge');
  const source = transportOptions(
    { queue: str(values.queue), multi: values.multi === true, option: list(values.option) },
    'bridge',
  );
  const destination = transportOptions(
    { queue: str(values['to-queue']), option: list(values['to-option']) },
    'bridge',
    '--to-option',
  );
  const everyMs = parseSeconds(str(values['status-every']), '--status-every', 'bridge', 10) * 1000;
  const signal = interruptSignal();
  const tty = process.stderr.isTTY === true;
  let latest: BridgeStats = { received: 0, delivered: 0, filtered: 0, dropped: 0, reconnecting: false };
  let lastCount = 0;
  let lastTime = Date.now();
  const report = (): void => {
    const now = Date.now();
    const rate = ((latest.delivered - lastCount) * 1000) / Math.max(1, now - lastTime);
    lastCount = latest.delivered;
    lastTime = now;
    if (tty) process.stderr.write(`\r\x1b[Klogq bridge: ${statusText(latest, rate)}`);
    else say(`bridge: ${statusText(latest, rate)}`);
  };
  const timer = setInterval(report, tty ? 1000 : everyMs);
  say(`bridge: ${redactUri(from!)} -> ${redactUri(to!)}`);
  try {
    latest = await bridge({
      from: from!,
      to: to!,
      source,
      destination,
      filter,
      signal,
      onProgress: (stats) => (latest = stats),
    });
  } finally {
    clearInterval(timer);
  }
  if (tty) process.stderr.write('\n');
  say(
    `bridge: stopped; ${latest.received} received, ${latest.delivered} delivered, ${latest.filtered} filtered, ${latest.dropped} dropped`,
  );
  return 0;
}

const RUNNERS: Readonly<Record<string, (values: Values, args: string[]) => Promise<number>>> = {
  tail: runTail,
  send: runSend,
  bridge: runBridge,
};

/**
 * Runs `logq` with the given arguments (without `node` and the script) and
 * resolves with the exit code: 0 success, 1 failure (a transport that is not
 * installed, nothing delivered), 2 bad arguments. Never throws; messages go to
 * stderr without stack traces.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      await writeLine(USAGE.logq!);
      return command === undefined ? 2 : 0;
    }
    const runner = RUNNERS[command];
    if (!runner) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    const { values, positionals: args } = parse(command, rest);
    if (values.help === true) {
      await writeLine(USAGE[command]!);
      return 0;
    }
    await loadPlugins(list(values.require));
    return await runner(values, args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`logq: ${error.message}\n\n${USAGE[error.command ?? 'logq']}\n`);
      return 2;
    }
    if (error instanceof TransportNotFoundError) {
      say(error.message);
      if (error.message.startsWith('no logq transport'))
        say('with the logq command, load such a package with --require <module>');
      return 1;
    }
    say(describeError(error));
    return 1;
  }
}
