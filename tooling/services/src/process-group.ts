import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { trackGroup, untrackGroup } from './cleanup.js';
import { sleep } from './ports.js';

export interface LaunchSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Append stdout and stderr here. */
  logFile: string;
  uid?: number;
  gid?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A server process started in its own process group (detached: it is the
 * group leader), so that stopping it reaches every process it started and
 * nothing else. Registered for cleanup when this process ends.
 */
export class ProcessGroup {
  readonly pid: number;
  private exitInfo: ExitInfo | null = null;
  private readonly exited: Promise<ExitInfo>;

  private constructor(child: ChildProcess, pid: number) {
    this.pid = pid;
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  static async launch(spec: LaunchSpec): Promise<ProcessGroup> {
    const fd = openSync(spec.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: true,
        stdio: ['ignore', fd, fd],
        ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
        ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
      });
    } finally {
      closeSync(fd);
    }
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => {
        if (child.pid === undefined) reject(new Error(`could not start ${spec.command}`));
        else resolve(child.pid);
      });
    });
    child.on('error', () => undefined);
    child.unref();
    trackGroup(pid);
    return new ProcessGroup(child, pid);
  }

  /** null while running; how it ended otherwise. */
  get exit(): ExitInfo | null {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  private groupAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, sig);
    } catch {
      // group already gone
    }
  }

  /** SIGTERM to the whole group, SIGKILL after graceMs; resolves once the group is gone. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.running || this.groupAlive()) {
      this.signal('SIGTERM');
      const deadline = Date.now() + graceMs;
      while ((this.running || this.groupAlive()) && Date.now() < deadline) await sleep(50);
      if (this.running || this.groupAlive()) {
        this.signal('SIGKILL');
        await Promise.race([this.exited, sleep(5_000)]);
        const hardDeadline = Date.now() + 5_000;
        while (this.groupAlive() && Date.now() < hardDeadline) await sleep(50);
      }
    }
    untrackGroup(this.pid);
  }

  /** SIGKILL to the whole group at once. */
  async kill(): Promise<void> {
    this.signal('SIGKILL');
    await Promise.race([this.exited, sleep(5_000)]);
    untrackGroup(this.pid);
  }
}

/** The last `maxBytes` of a log file, for error messages. */
export function tail(file: string, maxBytes = 4000): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file, 'utf8');
    return size > maxBytes ? `...${text.slice(-maxBytes)}` : text;
  } catch {
    return '(no log)';
  }
}
