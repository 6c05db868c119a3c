import type { Readable } from 'node:stream';
import { convertSchema1, type Schema1Source } from '../../convert/schema1/convert-schema1.js';
import type { Descriptor } from '../../oci/descriptor.js';
import type { RegistryContent } from '../../registry/index.js';
import type { Staging, Store } from '../../store/index.js';

export interface StagedSchema1 {
  /** Holds the new config and manifest and every layer they name; the caller commits or aborts it. */
  staging: Staging;
  /** The Docker schema2 manifest, annotated with the schema1 digest it came from. */
  top: Descriptor;
}

/**
 * A schema1 image in a registry, converted on arrival as import converts one from an archive. Conversion must
 * read every layer (schema1 records no diffIDs), so the blobs it reads (the manifest, and each layer not known
 * to be empty) are downloaded once into a staging area of the store and read there; the new config and manifest
 * land beside them. The staging area then serves the copy, as an archive's does, so every destination (store,
 * archive, another registry) receives the converted image.
 */
export async function stageSchema1Image(store: Store, registry: RegistryContent, desc: Descriptor): Promise<StagedSchema1> {
  const staging = await store.stage();
  try {
    const converted = await convertSchema1(new ReadThroughSource(registry, staging), staging, desc, { format: 'docker' });
    return { staging, top: converted.manifest };
  } catch (err) {
    await staging.abort();
    throw err;
  }
}

/**
 * The registry seen through the staging area: a blob is downloaded (and verified) into the staging area the first
 * time it is read, and served from disk after that. Sizes come from the registry (a blob HEAD) until then.
 */
class ReadThroughSource implements Schema1Source {
  constructor(
    private readonly registry: RegistryContent,
    private readonly staging: Staging,
  ) {}

  async stat(digest: string): Promise<{ size: number } | undefined> {
    return (await this.staging.stat(digest)) ?? this.registry.stat(digest);
  }

  async has(desc: Descriptor): Promise<boolean> {
    return (await this.staging.has(desc)) || this.registry.has(desc);
  }

  async fetch(desc: Descriptor): Promise<Readable> {
    if (!(await this.staging.has(desc))) await this.staging.write(desc, await this.registry.fetch(desc));
    return this.staging.fetch(desc);
  }
}
