import { fileURLToPath } from 'node:url';

/** The file a `file:` URI (or URL, or plain path) names. */
export function filePath(target: string | URL): string {
  if (target instanceof URL || /^file:/i.test(target)) return fileURLToPath(target);
  return target;
}
