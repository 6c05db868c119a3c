import { FerryError } from '../../src/errors.js';

/** What `fn` throws, or undefined when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

/** The FerryError `fn` throws; anything else it throws is rethrown, and returning is a failure. */
export function caught(fn: () => unknown): FerryError {
  const err = thrown(fn);
  if (err instanceof FerryError) return err;
  throw err ?? new Error('expected a FerryError, nothing was thrown');
}
