import { describeTransportConformance } from '@logq/core/testing';
import { makePair } from './helpers.js';

describeTransportConformance('zeromq PUB/SUB', { createPair: () => makePair(false) });
describeTransportConformance('zeromq PUSH/PULL (multi)', { createPair: () => makePair(true) });
describeTransportConformance('zeromq PUB/SUB, multipart batches', { createPair: () => makePair(false, { multipart: true }) });
describeTransportConformance('zeromq PUSH/PULL (multi), multipart batches', { createPair: () => makePair(true, { multipart: true }) });
