import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, isExecutable, ServiceNotInstalledError } from './binaries.js';
import type { LaunchSpec } from './process-group.js';
import { exchange, freePort, LOOPBACK, waitUntil } from './ports.js';
import { ServerBase, type BrokerServer, type ServerOptions } from './server.js';
import { makeTempDir } from './tempdir.js';

export const FERRETDB_VERSION = 'v1.24.2';

export type FerretDBOptions = ServerOptions;

/** ${LOGQ_CACHE:-~/.cache/logq}/bin/ferretdb (built by install.sh), or throws ServiceNotInstalledError. */
export function ferretdbPath(): string {
  const path = join(cacheDir(), 'bin', 'ferretdb');
  if (!isExecutable(path))
    throw new ServiceNotInstalledError(`FerretDB ${FERRETDB_VERSION} (${path})`, 'LOGQ_MONGO_URL');
  return path;
}

function bsonCString(s: string): Buffer {
  return Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);
}

/** An OP_MSG carrying { ping: 1, $db: "admin" }, built by hand (no driver needed). */
function pingMessage(): Buffer {
  const int32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const db = bsonCString('admin');
  const elements = Buffer.concat([
    Buffer.from([0x10]),
    bsonCString('ping'),
    int32(1),
    Buffer.from([0x02]),
    bsonCString('$db'),
    int32(db.length),
    db,
  ]);
  const doc = Buffer.concat([int32(elements.length + 5), elements, Buffer.from([0])]);
  const body = Buffer.concat([int32(0) /* flagBits */, Buffer.from([0]) /* section kind 0 */, doc]);
  const header = Buffer.concat([int32(16 + body.length), int32(1) /* requestID */, int32(0), int32(2013) /* OP_MSG */]);
  return Buffer.concat([header, body]);
}

/** Sends a ping command and expects an OP_MSG reply whose document has ok: 1.0. */
async function pingMongo(port: number): Promise<boolean> {
  const reply = await exchange(port, pingMessage(), (b) => b.length >= 4 && b.length >= b.readInt32LE(0));
  if (reply === null || reply.length < 21 || reply.readInt32LE(12) !== 2013) return false;
  // element: type 0x01 (double) "ok\0" value 1.0
  const ok = Buffer.concat([Buffer.from([0x01]), bsonCString('ok')]);
  const at = reply.indexOf(ok, 21);
  return at >= 0 && at + ok.length + 8 <= reply.length && reply.readDoubleLE(at + ok.length) === 1;
}

class FerretDBServer extends ServerBase {
  readonly kind = 'ferretdb' as const;
  private readonly binary: string;

  constructor(binary: string, dir: string, port: number, opts: FerretDBOptions) {
    super(dir, port, opts, 60_000);
    this.binary = binary;
    mkdirSync(join(dir, 'data'), { recursive: true });
    mkdirSync(join(dir, 'state'), { recursive: true });
  }

  get url(): string {
    return `mongodb://${LOOPBACK}:${this.port}/`;
  }

  protected launchSpec(): LaunchSpec {
    return {
      command: this.binary,
      args: [
        '--handler=sqlite',
        `--sqlite-url=file:${join(this.dir, 'data')}/`,
        `--listen-addr=${LOOPBACK}:${this.port}`,
        // No debug/metrics HTTP listener: two instances never compete for 8088.
        '--debug-addr=-',
        '--telemetry=disable',
        `--state-dir=${join(this.dir, 'state')}`,
        '--log-level=warn',
      ],
      env: { ...process.env, DO_NOT_TRACK: '1' },
      cwd: this.dir,
      logFile: this.logFile,
    };
  }

  protected async waitReady(abort: () => string | null, timeoutMs: number): Promise<void> {
    await waitUntil(() => pingMongo(this.port), { timeoutMs, abort, what: 'FerretDB ping' });
  }

  protected async reallocatePorts(): Promise<void> {
    this.port = await freePort();
  }
}

/**
 * Starts FerretDB (MongoDB wire protocol, SQLite backend) on a free loopback
 * port with its data in a temp folder; resolves once it answers a ping
 * command. Data survives stop()/start().
 */
export async function startFerretDB(opts: FerretDBOptions = {}): Promise<BrokerServer> {
  const binary = ferretdbPath();
  const port = opts.port ?? (await freePort());
  const server = new FerretDBServer(binary, makeTempDir('ferretdb'), port, opts);
  await server.startFirst();
  return server;
}
