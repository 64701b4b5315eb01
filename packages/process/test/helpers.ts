import { type ChildProcess, fork } from 'node:child_process';
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export const fixtures = join(process.cwd(), 'test', 'fixtures');
/** Node flags that let a child run the TypeScript sources of the workspace. */
export const tsExecArgv = ['--conditions=@logq/source', '--import', 'tsx'];

/** What a child of test/fixtures/child.ts does. */
export interface ChildConfig {
  readonly mode: 'hello' | 'message' | 'count' | 'flood' | 'crash' | 'throw';
  /** Queue id to name (omitted: the channel's first queue). */
  readonly queue?: string;
  readonly message?: string;
  readonly count?: number;
  readonly name?: string;
  /** Records logged after the flush in crash modes. */
  readonly extra?: number;
  readonly maxBuffer?: number;
  readonly window?: number;
}

export type ChildKind = 'fork' | 'cluster' | 'worker';

export interface StartedChild {
  readonly target: ChildProcess | ClusterWorker | Worker;
  readonly exited: Promise<number>;
  /** Messages the child sent that are not logq's (test reports). */
  readonly reports: unknown[];
}

const childEntry = join(fixtures, 'child.ts');

/** Starts test/fixtures/child.ts as a fork, cluster or worker_threads child. `attach` runs in the same tick. */
export function startChild(
  kind: ChildKind,
  config: ChildConfig,
  attach: (target: ChildProcess | ClusterWorker | Worker) => void,
  serialization: 'json' | 'advanced' = 'json',
): StartedChild {
  const reports: unknown[] = [];
  const onMessage = (message: unknown) => {
    if (typeof message === 'object' && message !== null && 'report' in message) reports.push(message);
  };
  if (kind === 'worker') {
    const worker = new Worker(join(fixtures, 'boot-worker.mjs'), {
      execArgv: ['--conditions=@logq/source'],
      workerData: { entry: pathToFileURL(childEntry).href, config },
      stdout: false,
      stderr: false,
    });
    attach(worker);
    worker.on('message', onMessage);
    const exited = new Promise<number>((resolve) => {
      worker.on('error', () => {});
      worker.on('exit', resolve);
    });
    return { target: worker, exited, reports };
  }
  const env = { ...process.env, LOGQ_TEST_CONFIG: JSON.stringify(config) };
  if (kind === 'fork') {
    const child = fork(childEntry, [], {
      execArgv: tsExecArgv,
      env,
      stdio: ['ignore', 'inherit', config.mode === 'throw' ? 'ignore' : 'inherit', 'ipc'],
      serialization,
    });
    attach(child);
    child.on('message', onMessage);
    const exited = new Promise<number>((resolve) =>
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
    );
    return { target: child, exited, reports };
  }
  cluster.setupPrimary({ exec: childEntry, execArgv: tsExecArgv, silent: false, serialization });
  const worker = cluster.fork(env);
  attach(worker);
  worker.on('message', onMessage);
  const exited = new Promise<number>((resolve) =>
    worker.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))),
  );
  return { target: worker, exited, reports };
}
