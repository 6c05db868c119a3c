import { formatReference, parseReference } from '../oci/reference.js';
import type { Store } from '../store/index.js';
import { copyBetween, type CopyOptions, type CopyResult } from './copy.js';

export interface PullOptions extends CopyOptions {
  /** Write an archive (a file, or `-` for stdout) instead of storing the image. */
  output?: string;
}

/** `ferry pull REF`: into the store under the reference's full name (staged, atomic), or straight to an archive. */
export async function pullImage(store: Store, reference: string, opts: PullOptions = {}): Promise<CopyResult> {
  const ref = parseReference(reference.replace(/^docker:\/\//, ''));
  const to = opts.output !== undefined ? { kind: 'archive' as const, path: opts.output } : { kind: 'store' as const, name: formatReference(ref) };
  return copyBetween(store, { kind: 'registry', ref }, to, opts);
}
