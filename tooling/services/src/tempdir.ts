import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackDir, untrackDir } from './cleanup.js';

/** A fresh folder under os.tmpdir(), removed when this process ends unless removed before. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `logq-${prefix}-`));
  trackDir(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
  untrackDir(dir);
}

/** chown -R */
export function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid, gid);
    else chownSync(child, uid, gid);
  }
}
