import { describeTransportConformance } from '@logq/core/testing';
import { makePair } from './helpers.js';

// injectRaw sends from a second ZeroMQ peer, whose order against the handler's socket is not defined.
const injectOrdered = false;

describeTransportConformance('zeromq PUB/SUB', { injectOrdered, createPair: () => makePair(false) });
describeTransportConformance('zeromq PUSH/PULL (multi)', { injectOrdered, createPair: () => makePair(true) });
describeTransportConformance('zeromq PUB/SUB, multipart batches', {
  injectOrdered,
  createPair: () => makePair(false, { multipart: true }),
});
describeTransportConformance('zeromq PUSH/PULL (multi), multipart batches', {
  injectOrdered,
  createPair: () => makePair(true, { multipart: true }),
});
