import { FerryError } from '../errors.js';
import { readDocument } from '../graph/read-document.js';
import { resolveImage, type PlatformImage } from '../graph/resolve.js';
import { normalizeName } from '../oci/reference.js';
import { ImageConfigSchema } from '../oci/schemas.js';
import type { ContentSource } from '../oci/transport.js';
import { hostPlatform, parsePlatform } from '../platform/index.js';
import type { Store } from '../store/index.js';
import { ensureSnapshot, intoFreshDirectory, unpackImage, type UnpackProgress } from '../unpack/index.js';
import { resolveUnpackTarget, type UnpackChoice } from './policy/unpack-target.js';

export interface UnpackOptions {
  platform?: string;
  strictPlatform?: boolean;
  /** `--force`: replace a non-empty DIR (its old content is removed once the image is unpacked). */
  force?: boolean;
  onProgress?(progress: UnpackProgress): void;
}

export interface UnpackResult extends UnpackChoice {
  name: string;
  dir: string;
  manifest: string;
  warnings: string[];
}

/**
 * `ferry unpack IMAGE DIR`: the best match for the requested platform (or the host) written into DIR. DIR must be
 * new or empty (or `force`): the layers are applied in a temporary sibling that replaces DIR only once every
 * layer is verified, so a failure leaves DIR as it was and an image's whiteouts never touch the user's files.
 */
export async function unpackToDirectory(store: Store, name: string, dir: string, opts: UnpackOptions): Promise<UnpackResult> {
  const full = normalizeName(name);
  const record = await store.getImage(full);
  if (!record) throw new FerryError('ERR_NOT_FOUND', `no image named ${full} in the store`, { hint: "see 'ferry images ls'" });
  const resolved = await resolveImage(store, record.target, { all: true });
  const choice = resolveUnpackTarget(resolved.selected, {
    host: hostPlatform(),
    ...(opts.platform ? { platform: parsePlatform(opts.platform) } : {}),
    ...(opts.strictPlatform ? { strict: true } : {}),
  });
  if (!choice.image?.config) {
    throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${full}: ${choice.reason}`, {
      hint: `available: ${choice.available.join(', ') || 'none'}; choose one with --platform`,
    });
  }
  const config = (await readDocument(store, choice.image.config, ImageConfigSchema)).value;
  const warnings: string[] = [];
  const { layers } = choice.image;
  const hint = 'unpack into a new or empty directory, or pass --force to replace this one';
  await intoFreshDirectory(dir, { hint, ...(opts.force ? { force: true } : {}) }, (temp) =>
    unpackImage(store, layers, config.rootfs.diff_ids, temp, {
      onWarning: (w: string) => warnings.push(w),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    }),
  );
  return { ...choice, name: full, dir, manifest: choice.image.manifest.digest, warnings };
}

export interface UnpackOutcome {
  snapshot: string;
  reused: boolean;
  warnings: string[];
}

/** Unpacks one platform's image into a snapshot under the store (import's unpack), reusing an identical one. */
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
