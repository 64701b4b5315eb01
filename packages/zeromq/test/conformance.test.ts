import { describeTransportConformance } from '@logq/core/testing';
import { makePair } from './helpers.js';

describeTransportConformance('zeromq PUB/SUB', { createPair: () => makePair(false) });
describeTransportConformance('zeromq PUSH/PULL (multi)', { createPair: () => makePair(true) });
