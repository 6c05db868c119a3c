import type { Readable } from 'node:stream';
import { readArchive } from '../../archive/read/index.js';
import { DockerEngine, dockerSocket, inspectImage, saveImage } from '../../daemons/docker-engine/index.js';
import { FerryError } from '../../errors.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { isSchema1 } from '../../oci/mediatypes.js';
import { formatReference } from '../../oci/reference.js';
import type { ContentSource } from '../../oci/transport.js';
import type { RegistryContent } from '../../registry/index.js';
import type { Store } from '../../store/index.js';
import { openContainerdImage } from './containerd-copy.js';
import type { DaemonOptions } from './daemon-options.js';
import type { ImageLocation } from './image-location.js';
import { importNames } from '../policy/import-names.js';
import { openInput, readOptionsOf } from './open-input.js';
import { pickImages } from '../policy/pick-image.js';
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

export async function openImage(store: Store, location: ImageLocation, access: RegistryAccess, daemons: DaemonOptions = {}): Promise<OpenedImage> {
  if (location.kind === 'containerd') return openContainerdImage(location, daemons);
  if (location.kind === 'docker-daemon') return openDockerImage(store, location, daemons);
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
  return openArchiveStream(store, location, input);
}

/** An archive read from a stream (a file, stdin, or the docker engine's save) into a staging area of the store. */
export async function openArchiveStream(store: Store, location: ImageLocation, input: { stream: Readable; where: string; size?: number; reread?: { path: string; open(): Readable } }, name?: string): Promise<OpenedImage> {
  const staging = await store.stage();
  try {
    const contents = pickImages(await readArchive(input.stream, staging, readOptionsOf(input)), input);
    if (contents.images.length !== 1) {
      throw new FerryError('ERR_USAGE', `${input.where} holds ${contents.images.length} images; ferry copies one at a time`, {
        path: input.where,
        hint: 'pick one with oci-archive:FILE:REF or docker-archive:FILE:@N, or import the archive and copy from the store',
      });
    }
    const found = contents.images[0]!;
    const named = name ?? importNames({ digest: found.target.digest, repoTags: found.repoTags, ...(found.containerdName ? { containerdName: found.containerdName } : {}), ...(found.refName ? { refName: found.refName } : {}) }, {})[0]!;
    const { annotations: _annotations, ...top } = found.target;
    return { location, source: staging, top, name: named, close: () => staging.abort() };
  } catch (err) {
    input.stream.destroy();
    await staging.abort();
    throw err;
  }
}

/** An image of the docker engine, read from its `docker save` tar like any archive. */
async function openDockerImage(store: Store, location: ImageLocation & { kind: 'docker-daemon' }, daemons: DaemonOptions): Promise<OpenedImage> {
  const engine = new DockerEngine(dockerSocket(daemons.dockerHost));
  if (!(await inspectImage(engine, location.name))) {
    throw new FerryError('ERR_NOT_FOUND', `the docker engine has no image ${location.name}`, { hint: "see 'docker images'" });
  }
  return openArchiveStream(store, location, { stream: await saveImage(engine, location.name), where: `docker-daemon:${location.name}` }, location.name);
}
