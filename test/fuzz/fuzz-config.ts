import fc from 'fast-check';
import { expect } from 'vitest';
import { FerryError } from '../../src/errors.js';

/**
 * The fuzz tests run in every `npm test` with a fixed seed (same inputs every time, so a failure reproduces) and
 * 200 runs per property; `npm run fuzz` raises the count with FUZZ_RUNS (and FUZZ_SEED picks other inputs).
 */
export function configureFuzzing(): void {
  fc.configureGlobal({
    seed: Number(process.env.FUZZ_SEED ?? 42),
    numRuns: Number(process.env.FUZZ_RUNS ?? 200),
  });
}

/** The parser contract: it returns, or it throws a FerryError (never a TypeError, RangeError or the like). */
export function onlyFerryErrors<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    expect(err, String((err as Error)?.stack ?? err)).toBeInstanceOf(FerryError);
    return undefined;
  }
}

export async function onlyFerryErrorsAsync<T>(parse: () => Promise<T>, hangAfterMs = 5_000): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${hangAfterMs} ms: the parser hangs`)), hangAfterMs);
  });
  try {
    return await Promise.race([parse(), hang]);
  } catch (err) {
    expect(err, String((err as Error)?.stack ?? err)).toBeInstanceOf(FerryError);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
