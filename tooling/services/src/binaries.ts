import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const INSTALL_COMMAND = 'pnpm services:install';

/** Thrown when a broker or the Python virtualenv is not installed on this machine. */
export class ServiceNotInstalledError extends Error {
  override readonly name = 'ServiceNotInstalledError';
  constructor(what: string, envVar?: string) {
    super(
      `${what} is not installed on this machine: run \`${INSTALL_COMMAND}\` (tooling/services/install.sh)` +
        (envVar !== undefined ? `, or set ${envVar} to use a running server` : ''),
    );
  }
}

/** ${LOGQ_CACHE:-$HOME/.cache/logq}: where install.sh puts FerretDB and the Python virtualenv. */
export function cacheDir(): string {
  const fromEnv = process.env['LOGQ_CACHE'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'logq');
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** First executable `name` in `dirs`, then in $PATH, then in the usual system folders. */
export function findExecutable(name: string, dirs: string[] = []): string | null {
  const pathDirs = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  const all = [...dirs, ...pathDirs, '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of all) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

export interface UserIds {
  uid: number;
  gid: number;
}

/** uid/gid of a local user from /etc/passwd, or null. */
export function lookupUser(name: string): UserIds | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields[0] === name && fields[2] !== undefined && fields[3] !== undefined) {
        return { uid: Number(fields[2]), gid: Number(fields[3]) };
      }
    }
  } catch {
    // no /etc/passwd
  }
  return null;
}
