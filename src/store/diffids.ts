import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDigest } from '../oci/digest.js';
import { writeFileAtomic } from './atomic.js';

export const DIFFIDS_DIR = 'diffids';

/**
 * Layer blob → diffID pairs that ferry has verified by decompressing the blob and hashing the result, kept as
 * `<root>/diffids/<algorithm>/<blob hex>` holding the diffID. A pair is a fact about content-addressed bytes, true
 * forever, so a snapshot can be reused for a layer verified once without reading it again — while a config that
 * merely claims another image's diff_ids still gets its own layers checked first.
 */
export class DiffIDRecords {
  constructor(private readonly dir: string) {}

  static at(storeRoot: string): DiffIDRecords {
    return new DiffIDRecords(join(storeRoot, DIFFIDS_DIR));
  }

  /** The verified diffID of a layer blob, if it was verified before. */
  async get(blobDigest: string): Promise<string | undefined> {
    try {
      const recorded = (await readFile(this.path(blobDigest), 'utf8')).trim();
      parseDigest(recorded);
      return recorded;
    } catch {
      // Absent, or not a digest (a torn or tampered record): verify again.
      return undefined;
    }
  }

  /** Records a pair just verified. */
  async put(blobDigest: string, diffID: string): Promise<void> {
    parseDigest(diffID);
    const path = this.path(blobDigest);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, Buffer.from(`${diffID}\n`));
  }

  /** Drops the record of a blob gc removed. */
  async forget(blobDigest: string): Promise<void> {
    await rm(this.path(blobDigest), { force: true });
  }

  private path(blobDigest: string): string {
    const { algorithm, hex } = parseDigest(blobDigest);
    return join(this.dir, algorithm, hex);
  }
}
