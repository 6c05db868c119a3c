import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { Store } from '../../src/store/index.js';

export interface TempDir {
  dir: string;
  cleanup(): Promise<void>;
}

/** A fresh directory under os.tmpdir(), removed with everything in it by `cleanup`. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Gives every test of the enclosing describe a new store rooted in its own temp directory (removed after the
 * test). Read `dir` and `store` inside tests and hooks: they change before each test.
 */
export function useTempStore(prefix = 'ferry-store-'): { readonly dir: string; readonly store: Store } {
  let tmp: TempDir | undefined;
  let store: Store | undefined;
  beforeEach(async () => {
    tmp = await tempDir(prefix);
    store = await Store.open(tmp.dir);
  });
  afterEach(() => tmp?.cleanup());
  return {
    get dir() {
      if (!tmp) throw new Error('useTempStore: read outside a test');
      return tmp.dir;
    },
    get store() {
      if (!store) throw new Error('useTempStore: read outside a test');
      return store;
    },
  };
}
