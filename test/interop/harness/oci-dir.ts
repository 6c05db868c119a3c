import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import type { BuiltImage } from '../../helpers/image-builder.js';

/**
 * Writes images as an OCI layout directory, the source peer tools (skopeo, umoci, podman) copy from: each entry of
 * index.json is `top` (the image's index, or one of its manifests) tagged `refName`.
 */
export async function writeOciDir(dir: string, entries: { image: BuiltImage; refName: string; top?: Descriptor }[]): Promise<void> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const manifests = entries.map(({ image, refName, top }) => ({ ...(top ?? image.index.desc), annotations: { 'org.opencontainers.image.ref.name': refName } }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
  for (const { image } of entries) {
    for (const [digest, bytes] of image.content.blobs) await writeFile(join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  }
}
