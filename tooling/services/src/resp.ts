import { Socket } from 'node:net';
import { exchange, LOOPBACK } from './ports.js';

/**
 * A tiny RESP2 client for the services' own checks (CLUSTER INFO, SENTINEL
 * ...), so that starting servers needs no Redis client library.
 */
export type RespValue = string | number | null | RespError | RespValue[];

/** An error reply (`-ERR ...`). */
export class RespError {
  constructor(readonly message: string) {}
  toString(): string {
    return this.message;
  }
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = Buffer.from(String(arg));
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

interface Parsed {
  value: RespValue;
  end: number;
}

/** Parses one reply starting at `pos`; null while incomplete. */
function parseAt(buf: Buffer, pos: number): Parsed | null {
  const lineEnd = buf.indexOf('\r\n', pos);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buf[pos] as number);
  const line = buf.toString('utf8', pos + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RespError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString('utf8', next, next + len), end: next + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseAt(buf, at);
        if (item === null) return null;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP type byte ${JSON.stringify(type)}`);
  }
}

/** One complete reply in `buf`, or undefined while it is incomplete. */
export function parseReply(buf: Buffer): RespValue | undefined {
  const parsed = parseAt(buf, 0);
  return parsed === null ? undefined : parsed.value;
}

/**
 * Sends one command to 127.0.0.1:port on a fresh connection and resolves with
 * its reply, or null when the server does not answer (refused, closed, slower
 * than timeoutMs). An error reply resolves as a RespError.
 */
export async function redisCall(
  port: number,
  args: readonly (string | number)[],
  timeoutMs = 2000,
): Promise<RespValue | RespError | null> {
  const reply = await exchange(port, encodeCommand(args), (b) => parseReply(b) !== undefined, timeoutMs);
  return reply === null ? null : (parseReply(reply) ?? null);
}

/** redisCall that expects a string reply (e.g. CLUSTER INFO, INFO): null otherwise. */
export async function redisText(
  port: number,
  args: readonly (string | number)[],
  timeoutMs = 2000,
): Promise<string | null> {
  const reply = await redisCall(port, args, timeoutMs);
  return typeof reply === 'string' ? reply : null;
}

/** `field:value` lines of an INFO-style reply as a map. */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/**
 * Writes a command whose reply is not awaited (e.g. DEBUG SLEEP, which blocks
 * the server): resolves once it is written. The connection stays open until
 * the server answers or closes, so the server reads the whole command.
 */
export function redisSend(port: number, args: readonly (string | number)[], host = LOOPBACK): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.unref();
    socket.once('error', (err) => {
      socket.destroy();
      reject(err);
    });
    socket.on('data', () => socket.destroy());
    socket.connect(port, host, () => {
      socket.write(encodeCommand(args), () => resolve());
    });
  });
}
