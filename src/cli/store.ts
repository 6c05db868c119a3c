import { Store, resolveStoreRoot } from '../store/index.js';
import type { GlobalOptions } from './output.js';

/** Opens the store named by --root / FERRY_ROOT / XDG_DATA_HOME (created on first use). */
export async function openStore(argv: GlobalOptions): Promise<Store> {
  return Store.open(resolveStoreRoot({ ...(argv.root ? { root: argv.root } : {}) }));
}
