/**
 * Which blobs an OCI layout's images reference, learned while the archive streams by: index.json names the top
 * descriptors, and each manifest or index document, once seen, names its children. When every document reachable
 * from a non-empty index.json has been seen, the set is complete, and a blob outside it is one no image
 * references: the scanner then drops it instead of writing it to staging (disk use stays bounded by what images
 * reference). Until then — index.json not yet seen, a document not yet seen or too big to keep — nothing is known
 * to be unreferenced, so everything is written and dropped at commit as before.
 */
interface DescriptorLike {
  digest?: unknown;
}

export class ReachableBlobs {
  private readonly referenced = new Set<string>();
  /** Referenced manifests and indexes whose documents have not been seen yet. */
  private readonly pending = new Set<string>();
  private indexNamesImages = false;

  /**
   * index.json has arrived; `documentOf` gives documents already kept (blobs before index.json, as containerd
   * and Docker write them).
   */
  addIndex(bytes: Buffer, documentOf: (digest: string) => Buffer | undefined): void {
    const top = parseChildren(bytes);
    this.indexNamesImages = top.documents.length > 0;
    this.reference(top, documentOf);
  }

  /** A blob document has been kept; if it is a pending manifest or index, its children become referenced. */
  addDocument(digest: string, bytes: Buffer, documentOf: (digest: string) => Buffer | undefined): void {
    if (!this.pending.delete(digest)) return;
    this.reference(parseChildren(bytes), documentOf);
  }

  /** True when an image of the archive references the blob (known as soon as its parent has been seen). */
  isReferenced(digest: string): boolean {
    return this.referenced.has(digest);
  }

  /** Referenced manifests and indexes whose documents have not been seen: what they reference is unknown. */
  unseen(): ReadonlySet<string> {
    return this.pending;
  }

  /** Every blob referenced so far. */
  all(): ReadonlySet<string> {
    return this.referenced;
  }

  /** True only when the blob is certainly not referenced by any image of the archive. */
  isUnreferenced(digest: string): boolean {
    return this.indexNamesImages && this.pending.size === 0 && !this.referenced.has(digest);
  }

  private reference(children: Children, documentOf: (digest: string) => Buffer | undefined): void {
    const queue = [...children.documents];
    for (const leaf of children.leaves) this.referenced.add(leaf);
    while (queue.length > 0) {
      const digest = queue.pop()!;
      if (this.referenced.has(digest)) continue;
      this.referenced.add(digest);
      const seen = documentOf(digest);
      if (seen === undefined) {
        this.pending.add(digest);
        continue;
      }
      const next = parseChildren(seen);
      for (const leaf of next.leaves) this.referenced.add(leaf);
      queue.push(...next.documents);
    }
  }
}

interface Children {
  /** Manifests and indexes: their own children count too. */
  documents: string[];
  /** Configs and layers. */
  leaves: string[];
}

/**
 * The children of an index or manifest, read leniently (the graph walk validates documents later): manifests
 * of an index, config and layers of a manifest, and a schema1 manifest's fsLayers. Unparsable bytes have none.
 */
function parseChildren(bytes: Buffer): Children {
  const out: Children = { documents: [], leaves: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return out;
  }
  if (typeof doc !== 'object' || doc === null) return out;
  const value = doc as { manifests?: unknown; config?: unknown; layers?: unknown; fsLayers?: unknown };
  // A child of an index is a manifest or an index whatever its media type claims: all are followed.
  for (const child of asArray(value.manifests)) {
    const digest = digestOf(child);
    if (digest !== undefined) out.documents.push(digest);
  }
  const config = digestOf(value.config);
  if (config !== undefined) out.leaves.push(config);
  for (const layer of asArray(value.layers)) {
    const digest = digestOf(layer);
    if (digest !== undefined) out.leaves.push(digest);
  }
  for (const layer of asArray(value.fsLayers)) {
    const blobSum = (layer as { blobSum?: unknown } | null)?.blobSum;
    if (typeof blobSum === 'string') out.leaves.push(blobSum);
  }
  return out;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function digestOf(desc: unknown): string | undefined {
  const digest = (desc as DescriptorLike | null)?.digest;
  return typeof desc === 'object' && typeof digest === 'string' ? digest : undefined;
}
