/** The open-handler registry holds handlers weakly (issue 16, point 10): an unreferenced, unclosed handler is collected. */
import { lastJsonLine, runChild, sourceArgs } from './child-node.js';

it('an unclosed handler that nobody references is collected; a referenced one stays open', async () => {
  const code = `
    import { QueueHandler, openHandlers } from '@logq/core/transport';
    class Idle extends QueueHandler {
      async connect() {}
      async sendBatch() {}
      async disconnect() {}
    }
    const kept = new Idle();
    const collected = new FinalizationRegistry(() => (count += 1));
    let count = 0;
    (() => {
      for (let i = 0; i < 100; i++) collected.register(new Idle(), i);
    })();
    const before = openHandlers().length;
    for (let round = 0; round < 50 && count < 100; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      globalThis.gc();
    }
    const after = openHandlers();
    console.log(JSON.stringify({ before, collected: count, after: after.length, keptIsOpen: after.includes(kept) }));
  `;
  const result = await runChild(code, 30_000, ['--expose-gc', ...sourceArgs]);
  expect(result.stderr).toBe('');
  expect(lastJsonLine(result.stdout)).toEqual({ before: 101, collected: 100, after: 1, keptIsOpen: true });
}, 60_000);
