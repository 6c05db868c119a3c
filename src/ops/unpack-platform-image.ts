import { FerryError } from '../errors.js';
import { readDocument } from '../graph/read-document.js';
import type { PlatformImage } from '../graph/resolve.js';
import { ImageConfigSchema } from '../oci/schemas.js';
import type { ContentSource } from '../oci/transport.js';
import type { Store } from '../store/index.js';
import { ensureSnapshot, type UnpackProgress } from '../unpack/index.js';

export interface UnpackOutcome {
  snapshot: string;
  reused: boolean;
  warnings: string[];
}

/** Unpacks one platform's image into a snapshot under the store, reusing an identical one. */
export async function unpackPlatformImage(store: Store, source: ContentSource, image: PlatformImage, onProgress?: (progress: UnpackProgress) => void): Promise<UnpackOutcome> {
  if (!image.config) {
    throw new FerryError('ERR_BLOB_MISSING', `manifest ${image.manifest.digest} has no readable config`, { digest: image.manifest.digest });
  }
  const config = (await readDocument(source, image.config, ImageConfigSchema)).value;
  const warnings: string[] = [];
  const result = await ensureSnapshot(store, source, image.layers, config.rootfs.diff_ids, {
    onWarning: (w: string) => warnings.push(w),
    ...(onProgress ? { onProgress } : {}),
  });
  return { snapshot: result.path, reused: result.reused, warnings };
}
