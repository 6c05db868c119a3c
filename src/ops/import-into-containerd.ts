import { readArchive } from '../archive/read/index.js';
import { FerryError } from '../errors.js';
import type { Store } from '../store/index.js';
import { copyIntoContainerd } from './ends/containerd-copy.js';
import type { DaemonOptions, DaemonUnpack } from './ends/daemon-options.js';
import { importNames, type NamingOptions } from './policy/import-names.js';
import { openInput, readOptionsOf } from './ends/open-input.js';
import type { PlatformArgs } from './policy/platform-filter.js';
import { convertSchema1Image } from './policy/schema1-image.js';

export interface ContainerdImportOptions extends PlatformArgs, NamingOptions {
  daemons?: DaemonOptions;
}

export interface ContainerdImportedImage {
  names: string[];
  digest: string;
  platforms: string[];
  incomplete: string[];
  unpack?: DaemonUnpack;
}

export interface ContainerdImportResult {
  archive: string;
  namespace: string;
  images: ContainerdImportedImage[];
}

/**
 * `ferry import --into containerd:NAMESPACE ARCHIVE`: every image of the archive into containerd under the names
 * import would give it, each through the one copy into containerd (content with gc labels, unpack, record). The
 * archive is read once into a staging area of the store that is dropped afterwards: the store is left as it was.
 */
export async function importIntoContainerd(store: Store, path: string, namespace: string, opts: ContainerdImportOptions): Promise<ContainerdImportResult> {
  const input = await openInput(path);
  const staging = await store.stage();
  try {
    const contents = await readArchive(input.stream, staging, readOptionsOf(input));
    if (contents.images.length === 0) {
      throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${input.where} holds no image`, { path: input.where, hint: 'the archive is empty or not an image archive' });
    }
    const images: ContainerdImportedImage[] = [];
    for (const archived of contents.images) {
      const found = await convertSchema1Image(staging, archived);
      const names = importNames(
        {
          digest: found.target.digest,
          repoTags: found.repoTags,
          ...(found.containerdName ? { containerdName: found.containerdName } : {}),
          ...(found.refName ? { refName: found.refName } : {}),
        },
        opts,
      );
      const { annotations: _annotations, ...top } = found.target;
      let image: ContainerdImportedImage | undefined;
      // Every name is its own image record; after the first, the content and snapshots are there already.
      for (const name of names) {
        const opened = { location: { kind: 'archive' as const, path }, source: staging, top, name, close: async () => undefined };
        const { moved, unpack } = await copyIntoContainerd(opened, { kind: 'containerd', namespace, name }, opts);
        image ??= { names, digest: moved.target.digest, platforms: moved.platforms, incomplete: moved.incomplete, ...(unpack ? { unpack } : {}) };
      }
      if (image) images.push(image);
    }
    return { archive: input.where, namespace, images };
  } finally {
    input.stream.destroy();
    await staging.abort();
  }
}
