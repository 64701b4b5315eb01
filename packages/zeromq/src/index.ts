/**
 * `@logq/zeromq`: `ZeroMQHandler` and `ZeroMQSubscriber`, wire-compatible
 * with Python Logbook's, on the `zeromq` package (v6). Importing it registers
 * the `tcp://`, `ipc://`, `inproc://`, `pgm://` and `epgm://` schemes with
 * `@logq/core`'s `createHandler` / `createSubscriber`.
 * @packageDocumentation
 */
import { registerTransport } from '@logq/core/transport';
import { ZeroMQHandler } from './handler.js';
import type { ZeroMQHandlerOptions, ZeroMQSubscriberOptions } from './options.js';
import { ZeroMQSubscriber } from './subscriber.js';

export { INSTALL_HINT, loadZeroMQ, type ZeroMQModule } from './connection.js';
export { curveKeyPair, type CurveKeyPair } from './curve.js';
export { CurveConfigError, PeerTimeoutError, ZeroMQNotInstalledError, ZeroMQSocketError } from './errors.js';
export { ZeroMQHandler, type ZeroMQHandlerSocket } from './handler.js';
export type {
  CurveOptions,
  WaitForPeersOptions,
  ZeroMQHandlerOptions,
  ZeroMQSocketOptions,
  ZeroMQSubscriberOptions,
} from './options.js';
export { ZeroMQSubscriber, type ZeroMQSubscriberSocket } from './subscriber.js';

registerTransport(['tcp', 'ipc', 'inproc', 'pgm', 'epgm'], {
  packageName: '@logq/zeromq',
  createHandler: (uri, options) => new ZeroMQHandler(uri, options as ZeroMQHandlerOptions),
  createSubscriber: (uri, options) => new ZeroMQSubscriber(uri, options as ZeroMQSubscriberOptions),
});
