import type { Handler } from './handler.js';
import { ThreadedWrapperHandler as ThreadedWrapperHandlerClass } from './threaded-wrapper-class.js';

export { TWHThreadController } from './threaded-wrapper-class.js';

/**
 * A {@link ThreadedWrapperHandler} around `H`: the wrapper's own members, plus
 * the wrapped handler's that the wrapper does not have (forwarded to it).
 */
export type ThreadedWrapperHandler<H extends Handler = Handler> = ThreadedWrapperHandlerClass<H> &
  Omit<H, keyof ThreadedWrapperHandlerClass<H>>;

/** The constructor of {@link ThreadedWrapperHandler}: `new ThreadedWrapperHandler(handler, maxsize?)`. */
export interface ThreadedWrapperHandlerConstructor {
  /**
   * Wraps `handler` (queue capacity `maxsize`; 0 is unbounded) and starts the drain loop.
   * @typeParam H - the wrapped handler's type, whose own members the wrapper forwards.
   */
  new <H extends Handler>(handler: H, maxsize?: number): ThreadedWrapperHandler<H>;
  /** The prototype (for `instanceof`). */
  readonly prototype: ThreadedWrapperHandlerClass<Handler>;
}

/**
 * Wraps a slow handler (mail, HTTP) so that emits go into an in-process queue
 * drained in the background and never delay the caller (Logbook's
 * `ThreadedWrapperHandler`). The wrapped handler's own properties read (and
 * write) through the wrapper, as in Logbook: `new ThreadedWrapperHandler(new
 * TestHandler()).records`. See the class's members for counting and closing.
 */
export const ThreadedWrapperHandler: ThreadedWrapperHandlerConstructor =
  ThreadedWrapperHandlerClass as unknown as ThreadedWrapperHandlerConstructor;
