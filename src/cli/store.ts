import type { Store } from '../store/index.js';
import type { GlobalOptions } from './output.js';

/**
 * Opens the store named by --root / FERRY_ROOT / XDG_DATA_HOME. Commands that write create it on first use;
 * read commands (`readOnly`) need it to exist and never write to it, so they work on a store the user may only
 * read, and a mistyped --root is an error rather than a new empty store. Loaded only when a command runs.
 */
export async function openStore(argv: GlobalOptions, access: { readOnly?: boolean } = {}): Promise<Store> {
  const { Store, resolveStoreRoot } = await import('../store/index.js');
  const root = resolveStoreRoot({ ...(argv.root ? { root: argv.root } : {}) });
  return access.readOnly ? Store.openExisting(root) : Store.open(root);
}
