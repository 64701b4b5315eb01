import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { findExecutable, isExecutable, lookupUser, ServiceNotInstalledError, type UserIds } from './binaries.js';
import { ProcessGroup, type LaunchSpec } from './process-group.js';
import { canConnect, exchange, freePorts, LOOPBACK, waitUntil } from './ports.js';
import { ServerBase, type BrokerServer, type ServerOptions } from './server.js';
import { chownTree, makeTempDir } from './tempdir.js';

export type RabbitMQOptions = ServerOptions;

/** A RabbitMQ node of our own. */
export interface RabbitMQServer extends BrokerServer {
  readonly kind: 'rabbitmq';
  /** Erlang node name, e.g. logq-PORT@localhost. */
  readonly nodeName: string;
  /** Runs `rabbitmqctl -n NODE ...args` against this node and resolves with its stdout. */
  ctl(args: string[], timeoutMs?: number): Promise<string>;
}

interface RabbitTools {
  server: string;
  ctl: string;
  epmd: string;
}

/**
 * The real rabbitmq-server/rabbitmqctl scripts. On Debian they live in
 * /usr/lib/rabbitmq/bin; /usr/sbin/rabbitmq-server is a wrapper that, run as
 * root, su's to rabbitmq and sends output to /var/log/rabbitmq, so skip it.
 */
export function rabbitmqTools(): RabbitTools {
  const pathDirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  const dirs = ['/usr/lib/rabbitmq/bin', '/usr/lib/rabbitmq/sbin', ...pathDirs, '/usr/local/sbin', '/usr/sbin'];
  let found: { server: string; ctl: string } | null = null;
  for (const dir of dirs) {
    const server = join(dir, 'rabbitmq-server');
    const ctl = join(dir, 'rabbitmqctl');
    if (!isExecutable(server) || !isExecutable(ctl)) continue;
    try {
      if (readFileSync(server, 'utf8').includes('/usr/lib/rabbitmq/bin/')) continue; // Debian's su wrapper
    } catch {
      continue;
    }
    found = { server, ctl };
    break;
  }
  const epmd = findExecutable('epmd', ['/usr/lib/erlang/bin']);
  if (found === null || epmd === null) throw new ServiceNotInstalledError('rabbitmq-server', 'LOGQ_AMQP_URL');
  return { ...found, epmd };
}

/** Connection.Start is the first thing a ready AMQP 0-9-1 listener sends after our protocol header. */
async function amqpAnswers(port: number): Promise<boolean> {
  const reply = await exchange(port, Buffer.from('AMQP\x00\x00\x09\x01', 'latin1'), (b) => b.length >= 7);
  return reply !== null && reply[0] === 1; // frame type 1: method
}

// Keep the node on loopback for Erlang distribution too (server and CLI).
const LOOPBACK_DIST = '-kernel inet_dist_use_interface {127,0,0,1}';

class RabbitNode extends ServerBase implements RabbitMQServer {
  readonly kind = 'rabbitmq' as const;
  private readonly tools: RabbitTools;
  private readonly runAs: UserIds | null;
  private distPort: number;
  private ctlPort: number;
  private epmdPort: number;
  private epmd: ProcessGroup | null = null;

  constructor(tools: RabbitTools, dir: string, ports: number[], opts: RabbitMQOptions) {
    const [amqp, dist, ctl, epmd] = ports as [number, number, number, number];
    super(dir, amqp, opts, 120_000);
    this.tools = tools;
    this.distPort = dist;
    this.ctlPort = ctl;
    this.epmdPort = epmd;
    // As root, run the node as the rabbitmq user (what the Debian package
    // expects), in a folder it owns. Anyone else runs it as themselves.
    this.runAs = process.getuid?.() === 0 ? lookupUser('rabbitmq') : null;
    mkdirSync(join(dir, 'mnesia'), { recursive: true });
    mkdirSync(join(dir, 'log'), { recursive: true });
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n'); // no management or other plugin listeners
    writeFileSync(join(dir, 'advanced.config'), '[].\n');
    writeFileSync(join(dir, 'rabbitmq-env.conf'), ''); // ignore /etc/rabbitmq/rabbitmq-env.conf
    this.writeConfig();
  }

  get url(): string {
    return `amqp://guest:guest@${LOOPBACK}:${this.port}`;
  }

  get nodeName(): string {
    return `logq-${this.port}@localhost`;
  }

  private writeConfig(): void {
    writeFileSync(
      join(this.dir, 'rabbitmq.conf'),
      [
        // loopback only (listeners.tcp.default would bind every interface)
        `listeners.tcp.1 = ${LOOPBACK}:${this.port}`,
        'listeners.ssl = none',
        // guest may log in from loopback only, which is where our clients are
        'loopback_users.guest = true',
        'disk_free_limit.absolute = 10MB',
        'log.console = false',
        'log.file.level = info',
        '',
      ].join('\n'),
    );
    if (this.runAs !== null) chownTree(this.dir, this.runAs.uid, this.runAs.gid);
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('RABBITMQ_') && !key.startsWith('ERL_')) env[key] = value;
    }
    return {
      ...env,
      HOME: this.dir, // the Erlang cookie lives here, private to this node
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      RABBITMQ_NODENAME: this.nodeName,
      RABBITMQ_NODE_IP_ADDRESS: LOOPBACK,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.distPort),
      RABBITMQ_CTL_DIST_PORT_MIN: String(this.ctlPort),
      RABBITMQ_CTL_DIST_PORT_MAX: String(this.ctlPort),
      RABBITMQ_MNESIA_BASE: join(this.dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, 'enabled_plugins'),
      RABBITMQ_CONFIG_FILE: join(this.dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, 'advanced.config'),
      RABBITMQ_CONF_ENV_FILE: join(this.dir, 'rabbitmq-env.conf'),
      RABBITMQ_PID_FILE: join(this.dir, 'rabbitmq.pid'),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: LOOPBACK_DIST,
      RABBITMQ_CTL_ERL_ARGS: LOOPBACK_DIST,
      // Our own epmd on its own port: nothing shared with other nodes or a system epmd.
      ERL_EPMD_PORT: String(this.epmdPort),
      ERL_EPMD_ADDRESS: LOOPBACK,
    };
  }

  private ids(): { uid?: number; gid?: number } {
    return this.runAs !== null ? { uid: this.runAs.uid, gid: this.runAs.gid } : {};
  }

  protected override async beforeLaunch(): Promise<void> {
    if (this.epmd !== null && this.epmd.running) return;
    if (this.epmd !== null) await this.epmd.stop(1000);
    // Not `epmd -daemon`: a daemon would leave its process group and outlive us.
    const epmd = await ProcessGroup.launch({
      command: this.tools.epmd,
      args: ['-port', String(this.epmdPort), '-address', LOOPBACK],
      env: this.env(),
      cwd: this.dir,
      logFile: join(this.dir, 'epmd.log'),
      ...this.ids(),
    });
    this.epmd = epmd;
    await waitUntil(() => canConnect(this.epmdPort), {
      timeoutMs: 15_000,
      what: `epmd on ${this.epmdPort}`,
      abort: () => (epmd.running ? null : 'epmd exited'),
    });
  }

  protected override async afterDispose(): Promise<void> {
    if (this.epmd !== null) await this.epmd.stop(2000);
    this.epmd = null;
  }

  protected launchSpec(): LaunchSpec {
    return {
      command: this.tools.server,
      args: [],
      env: this.env(),
      cwd: this.dir,
      logFile: this.logFile,
      ...this.ids(),
    };
  }

  protected async waitReady(abort: () => string | null, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await waitUntil(() => amqpAnswers(this.port), { timeoutMs, abort, intervalMs: 200, what: 'the AMQP listener' });
    const seconds = Math.max(5, Math.ceil((deadline - Date.now()) / 1000));
    await this.ctl(['await_startup', '--timeout', String(seconds)], (seconds + 15) * 1000);
  }

  protected async reallocatePorts(): Promise<void> {
    if (this.epmd !== null) await this.epmd.stop(1000);
    this.epmd = null;
    const [amqp, dist, ctl, epmd] = (await freePorts(4)) as [number, number, number, number];
    this.port = amqp;
    this.distPort = dist;
    this.ctlPort = ctl;
    this.epmdPort = epmd;
    this.writeConfig();
  }

  ctl(args: string[], timeoutMs = 60_000): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.tools.ctl,
        ['-n', this.nodeName, ...args],
        { env: this.env(), cwd: this.dir, timeout: timeoutMs, killSignal: 'SIGKILL', ...this.ids() },
        (err, stdout, stderr) => {
          if (err !== null)
            reject(new Error(`rabbitmqctl ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
          else resolve(stdout);
        },
      );
    });
  }
}

/**
 * Starts a RabbitMQ node of our own (own node name, own epmd, AMQP, Erlang
 * distribution and CLI ports all free loopback ports, data in a temp folder);
 * resolves once the AMQP port answers and `rabbitmqctl await_startup` passes.
 * Durable queues and persistent messages survive stop()/start().
 */
export async function startRabbitMQ(opts: RabbitMQOptions = {}): Promise<RabbitMQServer> {
  const tools = rabbitmqTools();
  const ports = await freePorts(4);
  if (opts.port !== undefined) ports[0] = opts.port;
  const node = new RabbitNode(tools, makeTempDir('rabbitmq'), ports, opts);
  await node.startFirst();
  return node;
}
