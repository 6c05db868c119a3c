import type { Descriptor } from '../oci/descriptor.js';
import { isIndex } from '../oci/mediatypes.js';
import { childrenOf, hasChildren } from './children.js';

/**
 * One step of a graph walk (containerd's images.Handler): given a descriptor, the descriptors to visit next.
 * Handlers compose by wrapping: one that checks, marks or filters calls the next and passes on what it keeps.
 */
export type Handler = (desc: Descriptor) => Promise<Descriptor[]>;

/**
 * A handler that wraps the next one: it may decide about the descriptor visited (record it, keep it a leaf) before
 * asking `next`, or filter the children `next` returns (containerd's FilterPlatforms, SkipAttestations).
 */
export type HandlerWrapper = (next: Handler) => Handler;

/** `compose(a, b, c)(base)` is `a(b(c(base)))`: `a` sees each descriptor first, `c` sees base's children first. */
export function compose(...wrappers: HandlerWrapper[]): HandlerWrapper {
  return (base) => wrappers.reduceRight((next, wrap) => wrap(next), base);
}

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
 * A key that makes each listing of a leaf its own node and each index one node: an index may list one manifest
 * many times (each entry is visited, a memo keeps the cost linear), while an index that lists itself must not loop.
 */
export function indexesOnce(): (desc: Descriptor) => string {
  let occurrence = 0;
  return (desc) => (isIndex(desc.mediaType) ? desc.digest : `#${occurrence++}`);
}

/**
 * Visits every descriptor reachable from `roots` once, depth first and in the order documents list them (an index's
 * manifests in index order, a nested index's before its later siblings), asking `handler` for each one's children;
 * returns the keys visited. A handler's error stops the walk: gc marks everything before it removes anything, so a document it
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
    // Reversed onto the stack so that the first child is visited next.
    queue.push(...[...(await handler(desc))].reverse());
  }
  return seen;
}
