/**
 * Issue 13, "Done when": the seed page's "Other" example for
 * ThreadedWrapperHandler (../shared/seed/logbook-queues-api.txt), translated to
 * JS line by line, the Python line quoted above each JS line: the wrapper
 * "will automatically adopt the methods and properties of the wrapped handler.
 * All the values will be reflected".
 */
import { Level, Logger, TestHandler, ThreadedWrapperHandler } from '../src/index.js';

it("twh = ThreadedWrapperHandler(TestHandler()); twh.level_name = 'WARNING'; twh.handler.level_name == 'WARNING'", async () => {
  // >>> twh = ThreadedWrapperHandler(TestHandler())
  const twh = new ThreadedWrapperHandler(new TestHandler());
  // >>> from logbook import WARNING
  // (Level.WARNING, from '@logq/core')
  // >>> twh.level_name = 'WARNING'
  twh.levelName = 'WARNING';
  // >>> twh.handler.level_name
  // 'WARNING'
  expect(twh.handler.levelName).toBe('WARNING');
  expect(twh.handler.level).toBe(Level.WARNING);

  // The value is reflected in what the wrapped handler does: below WARNING is not handled.
  const log = new Logger('seed', { handlers: [twh] });
  log.info('below the level');
  log.warn('at the level');
  await twh.flush();
  expect(twh.handler.records.map((r) => [r.levelName, r.message])).toEqual([['WARNING', 'at the level']]);
  await twh.close();
});
