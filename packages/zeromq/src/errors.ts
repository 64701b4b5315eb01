import { LogqError } from '@logq/core';

/** A ZeroMQ socket could not be bound or connected (bad endpoint, address in use). */
export class ZeroMQSocketError extends LogqError {}
