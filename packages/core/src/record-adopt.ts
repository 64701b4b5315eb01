/*
 * Internal (not exported from the package): lets a Logger hand its rest-argument
 * array to the record it makes instead of having the record copy it.
 */

/** Set right before `new LogRecord(init)`: that record takes `init.args` as its own array (the constructor clears it). */
export const adoption = { on: false, all: false };
// `all` (set by `LogRecord.fromDict` for a dict handed over): the record also takes `init.kwargs` and `init.extra` as they are.
