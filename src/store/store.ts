import type { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import type { BlobSink, ContentSource } from '../oci/transport.js';
import { BlobDirectory, type BlobReader } from './blobs.js';
import { DiffIDRecords } from './diffids.js';
import { collectGarbage, type GcResult } from './gc.js';
import { openExistingLayout, openLayout, type LayoutPaths } from './layout.js';
import { withLock } from './lock.js';
import { readIndexFile, recordFromEntry, removeEntries, upsertEntries, writeIndexFile, type ImageRecord } from './records.js';
import { Staging } from './staging.js';

/**
 * ferry's local store: an OCI image layout directory (oci-layout, index.json, blobs/) that skopeo, umoci and
 * containerd can read, with names kept as index.json annotations (see records.ts). Blobs are immutable and
 * written atomically without a lock; every change of index.json, a staging commit and gc run under one
 * inter-process lock, so concurrent ferry processes lose no record and gc never removes what a commit adds.
 *
 * A blob written with `write` straight into the store is not protected from a gc running before a record
 * refers to it; importers therefore write through `stage()`, whose content gc leaves alone until it commits.
 */
export class Store implements ContentSource, BlobSink, BlobReader {
  /** Layer blob → diffID pairs verified by unpacking or checking (see diffids.ts). */
  readonly diffIDs: DiffIDRecords;

  private constructor(
    readonly paths: LayoutPaths,
    private readonly blobs: BlobDirectory,
  ) {
    this.diffIDs = DiffIDRecords.at(paths.root);
  }

  /** Opens the store at `root`, creating an empty layout if there is none. */
  static async open(root: string): Promise<Store> {
    const paths = await openLayout(root);
    return new Store(paths, new BlobDirectory(paths.blobs, paths.ingest));
  }

  /** Opens the store at `root` for reading only; it must exist (see openExistingLayout). */
  static async openExisting(root: string): Promise<Store> {
    const paths = await openExistingLayout(root);
    return new Store(paths, new BlobDirectory(paths.blobs, paths.ingest));
  }

  get root(): string {
    return this.paths.root;
  }

  blobPath(digest: string): string {
    return this.blobs.blobPath(digest);
  }

  stat(digest: string): Promise<{ size: number } | undefined> {
    return this.blobs.stat(digest);
  }

  has(desc: Pick<Descriptor, 'digest' | 'size'>): Promise<boolean> {
    return this.blobs.has(desc);
  }

  fetch(desc: Pick<Descriptor, 'digest'>): Promise<Readable> {
    return this.blobs.fetch(desc);
  }

  readDocument(desc: Pick<Descriptor, 'digest' | 'size'>, max?: number): Promise<Buffer> {
    return this.blobs.readDocument(desc, max);
  }

  write(desc: Pick<Descriptor, 'digest' | 'size'>, stream: Readable): Promise<void> {
    return this.blobs.write(desc, stream);
  }

  writeUnknown(stream: Readable): Promise<{ digest: string; size: number }> {
    return this.blobs.writeUnknown(stream);
  }

  /** Named images, in index.json order. Entries other tools wrote without a name are not listed. */
  async listImages(): Promise<ImageRecord[]> {
    const index = await readIndexFile(this.paths.index);
    return index.manifests.flatMap((entry) => recordFromEntry(entry) ?? []);
  }

  async getImage(name: string): Promise<ImageRecord | undefined> {
    return (await this.listImages()).find((record) => record.name === name);
  }

  /** Adds records, replacing those of the same names. */
  async putImages(records: ImageRecord[]): Promise<void> {
    await this.updateIndex(async (entries) => upsertEntries(entries, records));
  }

  /** Removes the named records; returns the names that were there. Blobs stay until `gc`. */
  async removeImages(names: string[]): Promise<string[]> {
    let removed: string[] = [];
    await this.updateIndex(async (entries) => {
      const result = removeEntries(entries, names);
      removed = result.removed;
      return result.entries;
    });
    return removed;
  }

  /** Gives the image named `source` the additional name `target` (replacing any image of that name). */
  async tagImage(source: string, target: string): Promise<ImageRecord> {
    let tagged: ImageRecord | undefined;
    await this.updateIndex(async (entries) => {
      const found = entries.map(recordFromEntry).find((record) => record?.name === source);
      if (!found) {
        throw new FerryError('ERR_NOT_FOUND', `no image named ${source} in the store ${this.root}`, {
          hint: 'list the stored images with `ferry images`',
        });
      }
      tagged = { ...found, name: target };
      return upsertEntries(entries, [tagged]);
    });
    return tagged as ImageRecord;
  }

  /**
   * The primitive behind every index.json change: under the store lock, reads the current entries, lets
   * `mutate` compute the new ones (it may also do other work that must not race with gc), and replaces
   * index.json atomically.
   */
  async updateIndex(mutate: (entries: Descriptor[]) => Promise<Descriptor[]>): Promise<void> {
    await withLock(this.paths.lock, async () => {
      const index = await readIndexFile(this.paths.index);
      const entries = await mutate(index.manifests);
      await writeIndexFile(this.paths.index, index, entries);
    });
  }

  /** A private area to import into; nothing in it is visible in the store until `commit`. */
  stage(): Promise<Staging> {
    return Staging.create(this);
  }

  /** Removes blobs no record reaches and abandoned temp files; see gc.ts. */
  gc(): Promise<GcResult> {
    return withLock(this.paths.lock, () => collectGarbage(this.paths, this.blobs));
  }
}
