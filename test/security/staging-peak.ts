import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes of the regular files under `dir` (0 while it does not exist); files that vanish mid-walk count as 0. */
async function treeBytes(dir: string): Promise<number> {
  const items = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let total = 0;
  for (const item of items) {
    const path = join(dir, item.name);
    if (item.isDirectory()) total += await treeBytes(path);
    else if (item.isFile()) total += await stat(path).then((s) => s.size, () => 0);
  }
  return total;
}

/**
 * Watches how many bytes `dir` holds while `work` runs (every 20 ms: writing a gigabyte takes far longer), and
 * resolves with the work's result and the largest total seen.
 */
export async function peakBytesDuring<T>(dir: string, work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = 0;
  let running = true;
  const watcher = (async () => {
    while (running) {
      peak = Math.max(peak, await treeBytes(dir));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const value = await work();
    return { value, peak };
  } finally {
    running = false;
    await watcher;
  }
}
