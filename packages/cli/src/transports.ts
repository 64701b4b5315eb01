import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createHandler,
  createSubscriber,
  TransportNotFoundError,
  type Handler,
  type SubscriberBase,
  type TransportOptions,
} from '@logq/core';

/**
 * logq's own transport packages. Core imports the one a scheme needs from its
 * own location; when the CLI runs from elsewhere (npx, a global install, pnpm's
 * strict layout) they are looked up from the working directory as well.
 */
const LOGQ_TRANSPORTS = ['@logq/zeromq', '@logq/amqp', '@logq/redis', '@logq/mongo', '@logq/process'] as const;

/** Resolves a module name or path as the project in `cwd` would; null when it is not installed there. */
function resolveFrom(cwd: string, spec: string): string | null {
  if (spec.startsWith('.') || isAbsolute(spec)) return pathToFileURL(resolve(cwd, spec)).href;
  try {
    return pathToFileURL(createRequire(join(cwd, 'package.json')).resolve(spec)).href;
  } catch {
    return null; // not installed there (a bare import then looks from the CLI's own folder)
  }
}

/**
 * Loads third-party transport plugins (`--require <module>`): a package name
 * or a path, resolved from the working directory. Importing a plugin registers
 * its schemes with core's `registerTransport`.
 * @throws {Error} naming the module when it cannot be found or loaded.
 */
export async function loadPlugins(modules: readonly string[], cwd = process.cwd()): Promise<void> {
  for (const spec of modules) {
    const url = resolveFrom(cwd, spec);
    try {
      await import(url ?? spec);
    } catch (cause) {
      throw new TransportNotFoundError(
        `--require ${spec}: cannot load it (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`,
        { cause },
      );
    }
  }
}

let preloaded = false;

/** Imports every logq transport installed in the working directory's project (once). */
async function preloadInstalled(cwd: string): Promise<void> {
  if (preloaded) return;
  preloaded = true;
  for (const name of LOGQ_TRANSPORTS) {
    await import(resolveFrom(cwd, name) ?? name).catch(() => undefined);
  }
}

async function withTransport<T>(make: () => Promise<T>, cwd: string): Promise<T> {
  try {
    return await make();
  } catch (error) {
    if (!(error instanceof TransportNotFoundError) || preloaded) throw error;
    await preloadInstalled(cwd);
    try {
      return await make();
    } catch {
      throw error; // core's message names the package to install
    }
  }
}

/** `createSubscriber(uri, options)`, finding installed transports from the working directory too. */
export function openSubscriber(uri: string, options: TransportOptions, cwd = process.cwd()): Promise<SubscriberBase> {
  return withTransport(() => createSubscriber(uri, options), cwd);
}

/** `createHandler(uri, options)`, finding installed transports from the working directory too. */
export function openHandler(uri: string, options: TransportOptions, cwd = process.cwd()): Promise<Handler> {
  return withTransport(() => createHandler(uri, options), cwd);
}
