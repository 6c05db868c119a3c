import type { Readable } from 'node:stream';
import type { Descriptor } from './descriptor.js';

/**
 * Everything that holds content: the local store, an archive being read, a registry, memory in tests.
 * `fetch` returns the blob's bytes; callers verify them (see VerifyingStream) unless the source already did.
 */
export interface ContentSource {
  fetch(desc: Descriptor): Promise<Readable>;
  /** Whether the source holds the blob; used to report partial images instead of failing on them. */
  has(desc: Descriptor): Promise<boolean>;
}

/** Everything content can be written to: the local store, an archive being written, a registry. */
export interface ContentTarget {
  has(desc: Descriptor): Promise<boolean>;
  /** Writes the blob; the implementation verifies digest and size and fails without leaving partial content. */
  write(desc: Descriptor, stream: Readable): Promise<void>;
}

/**
 * Where an archive reader puts what it reads in one pass, before it knows which blobs it will keep: every
 * regular file is hashed on the way in (containerd's approach), so content is addressed by what it is, not by
 * what the archive calls it.
 */
export interface BlobSink extends ContentTarget {
  /** Stores a stream of unknown digest; returns its sha256 digest and size. */
  writeUnknown(stream: Readable): Promise<{ digest: string; size: number }>;
}
