import { readArchive } from '../archive/read/index.js';
import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { isSchema1 } from '../oci/mediatypes.js';
import { formatReference } from '../oci/reference.js';
import type { ContentSource } from '../oci/transport.js';
import type { RegistryContent } from '../registry/index.js';
import type { Store } from '../store/index.js';
import type { ImageLocation } from './image-location.js';
import { importNames } from './import-names.js';
import { openInput } from './open-input.js';
import { pickImages } from './pick-image.js';
import { openRegistryContent, type RegistryAccess } from './registry-access.js';
import { stageSchema1Image } from './registry-schema1.js';

/** An image ready to be copied: where its content comes from, its top descriptor and its name. */
export interface OpenedImage {
  location: ImageLocation;
  source: ContentSource;
  top: Descriptor;
  name: string;
  /** Set for registry sources: lets a copy to the same registry mount instead of upload. */
  registry?: RegistryContent;
  /** The schema1 manifest the image was converted from on arrival (registry sources only). */
  convertedFrom?: string;
  /** Drops what opening needed (the staging area of an archive or of a converted schema1 image). */
  close(): Promise<void>;
}

export async function openImage(store: Store, location: ImageLocation, access: RegistryAccess): Promise<OpenedImage> {
  if (location.kind === 'registry') {
    const registry = await openRegistryContent(location.ref, access);
    const top = await registry.resolve(location.ref.digest ?? location.ref.tag ?? 'latest');
    const name = formatReference(location.ref);
    if (isSchema1(top.mediaType)) {
      const { staging, top: converted } = await stageSchema1Image(store, registry, top);
      return { location, source: staging, top: converted, name, registry, convertedFrom: top.digest, close: () => staging.abort() };
    }
    return { location, source: registry, top, name, registry, close: async () => undefined };
  }
  if (location.kind === 'store') {
    const record = await store.getImage(location.name);
    if (!record) throw new FerryError('ERR_NOT_FOUND', `no image named ${location.name} in the store ${store.root}`, { hint: "see 'ferry images ls', or import or pull it first" });
    return { location, source: store, top: record.target, name: record.name, close: async () => undefined };
  }
  return openArchiveImage(store, location);
}

/**
 * An archive is read once into a staging area of the store, which then serves as the source; the area is
 * dropped afterwards, so reading an archive to push it leaves the store as it was.
 */
async function openArchiveImage(store: Store, location: ImageLocation & { kind: 'archive' }): Promise<OpenedImage> {
  const input = await openInput(location.path);
  const staging = await store.stage();
  try {
    const contents = pickImages(await readArchive(input.stream, staging, { where: input.where }), input);
    if (contents.images.length !== 1) {
      throw new FerryError('ERR_USAGE', `${input.where} holds ${contents.images.length} images; ferry copies one at a time`, {
        path: input.where,
        hint: 'pick one with oci-archive:FILE:REF or docker-archive:FILE:@N, or import the archive and copy from the store',
      });
    }
    const found = contents.images[0]!;
    const name = importNames({ digest: found.target.digest, repoTags: found.repoTags, ...(found.containerdName ? { containerdName: found.containerdName } : {}), ...(found.refName ? { refName: found.refName } : {}) }, {})[0]!;
    const { annotations: _annotations, ...top } = found.target;
    return { location, source: staging, top, name, close: () => staging.abort() };
  } catch (err) {
    input.stream.destroy();
    await staging.abort();
    throw err;
  }
}
