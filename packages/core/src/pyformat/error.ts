/**
 * The error type of the `str.format` port (see `index.ts`).
 *
 * @module
 */

/**
 * Error thrown by `pyFormat` when the template is malformed, a field refers to
 * a missing argument, or a format spec does not fit the value.
 *
 * `message` is exactly what Python 3.11's `str(exc)` would print for the same
 * mistake (for example `Replacement index 2 out of range for positional args
 * tuple`, or `'x'` for a missing keyword, as Python's `KeyError` prints), and
 * {@link FormatError.pythonType} names the exception class Python raises.
 * `MemoryError` is also used for logq's own cap on generated padding and
 * digits (see `pyFormat`).
 */
export class FormatError extends Error {
  /** Always `'FormatError'`. */
  override name = 'FormatError';

  /** The Python exception class that `str.format` raises in the same situation. */
  readonly pythonType:
    | 'ValueError'
    | 'IndexError'
    | 'KeyError'
    | 'AttributeError'
    | 'TypeError'
    | 'OverflowError'
    | 'MemoryError';

  /**
   * @param message - Python's `str()` of the equivalent exception.
   * @param pythonType - The Python exception class; `ValueError` by default.
   */
  constructor(message: string, pythonType: FormatError['pythonType'] = 'ValueError') {
    super(message);
    this.pythonType = pythonType;
  }
}
