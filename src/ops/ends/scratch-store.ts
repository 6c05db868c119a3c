import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Store } from '../../store/index.js';

/**
 * A throw-away store for commands that read archives only to write another one (merge, split): blobs stream
 * through its files, never through memory. It sits beside the output file when there is one, so the staged
 * layers land on the disk that must hold the result anyway (a tmpfs /tmp may be too small).
 */
export async function withScratchStore<T>(output: string, work: (store: Store) => Promise<T>): Promise<T> {
  const parent = output === '-' ? tmpdir() : dirname(output);
  const dir = await mkdtemp(join(parent, '.ferry-scratch-'));
  try {
    return await work(await Store.open(dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
