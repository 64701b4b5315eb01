import { LogqError } from '@logq/core/transport';

/** Options that cannot work together (e.g. `format: 'kombu'` with `mode: 'broadcast'`). */
export class MongoConfigError extends LogqError {}

/** The server could not be reached or a command failed. The message never holds a password. */
export class MongoTransportError extends LogqError {}
