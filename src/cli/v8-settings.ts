import { setFlagsFromString } from 'node:v8';

const HOLD_YOUNG_GENERATION = '--semi-space-growth-factor=1';

/**
 * V8 settings for the CLI process, made for a program that streams gigabytes through short-lived buffers. Set once
 * at start, before any work; a library caller's process keeps its own settings. Only flags V8 reads afresh at each
 * collection are changed here: flags that change how marking runs abort V8 when flipped in a running process.
 *
 * - The young generation stays at its starting size. What ferry allocates dies young (chunks, headers, promises),
 *   but a burst of survivors makes V8 double the semi-spaces up to 16 MB each and keep them, and dead chunk buffers
 *   wait off-heap until the next scavenge, so a bigger young generation is mostly held garbage. Measured on the
 *   realistic import with unpack: peak RSS 164 MB by default, 144 MB held. (`--max-semi-space-size` works only on
 *   node's command line; the growth factor is read at each scavenge.)
 * - Dead ArrayBuffers are freed on the collecting thread, not by a background task. Each chunk of a layer is a
 *   buffer of its own (fs reads, zlib output), freed by the thousand, and freeing them from another thread than
 *   the one that allocated them costs more than the freeing itself. Measured on the realistic unpack (72,000
 *   entries, tmpfs): CPU 9.1–9.9 s → 8.1–8.3 s, wall 6.0–6.4 s → 5.4–5.5 s.
 */
export function applyStreamingV8Settings(): void {
  setFlagsFromString(HOLD_YOUNG_GENERATION);
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  // V8 puts the growth factor back to its default (2) whenever it configures a new isolate, and each worker thread
  // is one: after the first layer worker started, this thread's young generation grew to 16 MB anyway. Set it again
  // as soon as each worker is up (4× import: main heap 32 → 18–19 MB committed, peak RSS 151–153 → 147–149 MB).
  process.on('worker', (worker) => worker.once('online', () => setFlagsFromString(HOLD_YOUNG_GENERATION)));
}
