import { type CheckOptions, type ConformancePair, conformanceChecks } from './checks.js';

/** Any test-framework function; the suite calls each with the signature of its framework. */
type TestFunction = (...args: never[]) => unknown;

/**
 * The test functions the suite declares its tests with. Jest's and vitest's globals have this shape
 * (`{ describe, it, afterEach }`), and so has the `node:test` module (`import * as test from 'node:test'`),
 * which also has `before`: that is how the suite tells node's `it(name, { timeout }, fn)` from
 * jest's `it(name, fn, timeout)`.
 */
export interface ConformanceTestApi {
  /** Declares a group of tests. */
  readonly describe: (name: string, fn: () => void) => unknown;
  /** Declares one test. */
  readonly it: TestFunction;
  /** Runs after each test of the group (the suite closes the pair there). */
  readonly afterEach: (fn: () => Promise<void>) => unknown;
  /** Present in `node:test` only. */
  readonly before?: unknown;
}

/** Options of {@link describeTransportConformance}. */
export interface ConformanceSuiteOptions extends CheckOptions {
  /**
   * Makes a fresh, connected handler/subscriber pair; called once per check.
   * Use a new queue, key or port each time so that checks do not see each other's records.
   */
  createPair(): Promise<ConformancePair>;
  /** Timeout of each check, in ms. @default 120000 */
  readonly testTimeoutMs?: number;
  /** Names of checks to leave out, each with the reason (shown in the test name). */
  readonly skip?: Readonly<Record<string, string>>;
}

/** Jest's (or vitest's) globals, when the file runs under one of them. */
function globalTestApi(): ConformanceTestApi | null {
  const g = globalThis as { describe?: unknown; it?: unknown; afterEach?: unknown };
  if (typeof g.describe !== 'function' || typeof g.it !== 'function' || typeof g.afterEach !== 'function') return null;
  return g as ConformanceTestApi;
}

/**
 * Declares the transport conformance suite: a `describe` block with every
 * check in `conformanceChecks` as a test, each against a fresh pair from
 * `createPair`, closed after the test.
 *
 * Under jest (or vitest with globals) the suite uses the test globals; with
 * `node:test`, pass the module as `api`. The kit never loads a test framework
 * itself, so `@logq/core/testing` can also be imported to call the checks directly.
 *
 * @example
 * // jest
 * describeTransportConformance('redis list', { createPair: async () => ({ handler, subscriber, injectRaw }) });
 * // node --test
 * import * as test from 'node:test';
 * describeTransportConformance('file', { createPair }, test);
 *
 * @throws {Error} when no `api` is given and there are no test globals.
 */
export function describeTransportConformance(
  name: string,
  options: ConformanceSuiteOptions,
  api?: ConformanceTestApi,
): void {
  const t = api ?? globalTestApi();
  if (!t) {
    throw new Error(
      'describeTransportConformance found no test API: call it in a jest (or vitest with globals) test file, ' +
        "or pass node:test's as the third argument (import * as test from 'node:test'; describeTransportConformance(name, options, test))",
    );
  }
  const nodeStyle = typeof t.before === 'function';
  const timeout = options.testTimeoutMs ?? 120_000;
  const it = t.it as unknown as (...args: unknown[]) => unknown;
  const skipIt = (t.it as unknown as { skip?: (...args: unknown[]) => unknown }).skip;
  t.describe(`${name}: transport conformance`, () => {
    let pair: ConformancePair | null = null;
    t.afterEach(async () => {
      const current = pair;
      pair = null;
      if (!current) return;
      await current.handler.close();
      await current.subscriber.close();
      await current.dispose?.();
    });
    for (const [checkName, check] of Object.entries(conformanceChecks)) {
      const reason = options.skip?.[checkName];
      const title = reason === undefined ? checkName : `${checkName} (left out: ${reason})`;
      const run = async () => {
        pair = await options.createPair();
        await check(pair, options);
      };
      if (reason !== undefined) {
        if (nodeStyle) it(title, { skip: reason }, () => {});
        else skipIt?.(title, () => {});
      } else if (nodeStyle) {
        it(title, { timeout }, run);
      } else {
        it(title, run, timeout);
      }
    }
  });
}
