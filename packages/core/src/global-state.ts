/**
 * Process-wide state shared by every copy of `@logq/core` loaded in one
 * process (an app that loads core through both `import` and `require` gets two
 * module instances): the handler and processor stacks, the transport
 * registry, the open-handler set, the exit flush. It lives on `globalThis`
 * under `Symbol.for('logq.core.state')`, with a version: a copy whose state
 * layout differs keeps its own state and says so once.
 */

/** Bumped whenever the shape of a shared value changes. */
const STATE_VERSION = 1;
const KEY = Symbol.for('logq.core.state');

interface SharedState {
  readonly version: number;
  readonly values: Map<string, unknown>;
}

let local: SharedState | null = null;

function state(): SharedState {
  if (local) return local;
  const holder = globalThis as unknown as Record<symbol, SharedState | undefined>;
  const existing = holder[KEY];
  if (existing === undefined) {
    const created: SharedState = { version: STATE_VERSION, values: new Map() };
    Object.defineProperty(globalThis, KEY, { value: created, enumerable: false, configurable: false, writable: false });
    local = created;
  } else if (existing.version === STATE_VERSION) {
    local = existing;
  } else {
    local = { version: STATE_VERSION, values: new Map() };
    process.emitWarning(
      `two incompatible copies of @logq/core are loaded (state versions ${existing.version} and ${STATE_VERSION}): ` +
        'handlers pushed through one do not see records logged through the other; install one version',
      { code: 'LOGQ_CORE_DUPLICATE' },
    );
  }
  return local;
}

/**
 * The process-wide value named `name`, created by `create` by the first copy
 * of core that asks for it. @internal
 */
export function shared<T>(name: string, create: () => T): T {
  const values = state().values;
  if (!values.has(name)) values.set(name, create());
  return values.get(name) as T;
}

/** Whether `value` carries the brand `Symbol.for(brand)` (a brand check works across copies of core; `instanceof` does not). */
export function hasBrand(value: unknown, brand: symbol): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true
  );
}
