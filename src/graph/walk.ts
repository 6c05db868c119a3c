import type { Descriptor } from '../oci/descriptor.js';
import { childrenOf, hasChildren } from './children.js';

/**
 * One step of a graph walk (containerd's images.Handler): given a descriptor, the descriptors to visit next.
 * Handlers compose by wrapping: one that checks, marks or filters calls the next and passes on what it keeps.
 */
export type Handler = (desc: Descriptor) => Promise<Descriptor[]>;

/** Where a walk reads documents from: the store's blob directory, or any content source. */
export interface DocumentReader {
  has(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean>;
  readDocument(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<Buffer>;
}

/** The children of an index (its manifests) or a manifest (config and layers) the reader holds; absent content has none. */
export function children(reader: DocumentReader): Handler {
  return async (desc) => (hasChildren(desc) && (await reader.has(desc)) ? childrenOf(desc, await reader.readDocument(desc)) : []);
}

export interface WalkOptions {
  /** What makes two descriptors one node (default: the digest). */
  key?: (desc: Descriptor) => string;
  /** Nodes already visited, shared by walks that must not repeat each other's work. */
  seen?: Set<string>;
}

/**
 * Visits every descriptor reachable from `roots` once, asking `handler` for each one's children; returns the keys
 * visited. A handler's error stops the walk: gc marks everything before it removes anything, so a document it
 * cannot read stops it with nothing removed.
 */
export async function walk(roots: readonly Descriptor[], handler: Handler, opts: WalkOptions = {}): Promise<Set<string>> {
  const key = opts.key ?? ((d: Descriptor) => d.digest);
  const seen = opts.seen ?? new Set<string>();
  const queue = [...roots];
  for (let desc = queue.pop(); desc !== undefined; desc = queue.pop()) {
    const k = key(desc);
    if (seen.has(k)) continue;
    seen.add(k);
    queue.push(...(await handler(desc)));
  }
  return seen;
}
