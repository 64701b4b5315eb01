import type { afterEach as AfterEach, describe as Describe, it as It } from '@jest/globals';
import { type CheckOptions, type ConformancePair, conformanceChecks } from './checks.js';

/** Options of {@link describeTransportConformance}. */
export interface ConformanceSuiteOptions extends CheckOptions {
  /**
   * Makes a fresh, connected handler/subscriber pair; called once per check.
   * Use a new queue, key or port each time so that checks do not see each other's records.
   */
  createPair(): Promise<ConformancePair>;
  /** Jest timeout of each check, in ms. @default 120000 */
  readonly testTimeoutMs?: number;
  /** Names of checks to leave out, each with the reason (shown in the test name). */
  readonly skip?: Readonly<Record<string, string>>;
}

/**
 * Declares the transport conformance suite (a jest `describe` block): every
 * check in `conformanceChecks` against fresh pairs from `createPair`.
 *
 * @example
 * describeTransportConformance('redis list', { createPair: async () => ({ handler, subscriber, injectRaw }) });
 */
export function describeTransportConformance(name: string, options: ConformanceSuiteOptions): void {
  // Jest's globals are taken from the test environment at call time, so that importing
  // `@logq/core/testing` outside jest (to call the checks directly) does not load jest.
  const { describe, it, afterEach } = globalThis as unknown as { describe: typeof Describe; it: typeof It; afterEach: typeof AfterEach };
  if (typeof describe !== 'function') throw new Error('describeTransportConformance must be called inside a jest test file');
  describe(`${name}: transport conformance`, () => {
    let pair: ConformancePair | null = null;
    afterEach(async () => {
      const current = pair;
      pair = null;
      if (!current) return;
      await current.handler.close();
      await current.subscriber.close();
      await current.dispose?.();
    });
    for (const [checkName, check] of Object.entries(conformanceChecks)) {
      const reason = options.skip?.[checkName];
      if (reason !== undefined) {
        it.skip(`${checkName} (left out: ${reason})`, () => {});
        continue;
      }
      it(
        checkName,
        async () => {
          pair = await options.createPair();
          await check(pair, options);
        },
        options.testTimeoutMs ?? 120_000,
      );
    }
  });
}
