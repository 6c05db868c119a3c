import type { DockerSaveImage, ExportPlan } from '../../../src/archive/write/export-plan.js';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import { familiarName } from '../../../src/oci/reference.js';
import type { BuiltImage } from '../../helpers/image-builder.js';
import { MemoryContent } from '../../helpers/memory-content.js';

/** Every blob of a built image, as descriptors with their media types (what the graph walk would list). */
export function imageBlobs(image: BuiltImage): Descriptor[] {
  const blobs: Descriptor[] = [image.index.desc];
  for (const m of image.manifests) blobs.push(m.desc, m.config.desc, ...m.layers.map((l) => l.desc));
  for (const a of image.attestations) {
    const manifest = JSON.parse(a.bytes.toString()) as { config: Descriptor; layers: Descriptor[] };
    blobs.push(a.desc, manifest.config, ...manifest.layers);
  }
  return blobs;
}

export interface PlannedImage {
  image: BuiltImage;
  /** Full normalized name. */
  name: string;
  /** Which manifest goes to manifest.json (index into image.manifests); none when undefined. */
  dockerPlatform?: number;
}

/** The plan the graph walk would compute for exporting these images with all platforms. */
export function planFor(images: PlannedImage[]): ExportPlan {
  const dockerManifest: DockerSaveImage[] = [];
  for (const { image, name, dockerPlatform } of images) {
    const m = dockerPlatform === undefined ? undefined : image.manifests[dockerPlatform];
    if (m) dockerManifest.push({ config: m.config.desc, layers: m.layers.map((l) => l.desc), repoTags: [familiarName(name)] });
  }
  return {
    images: images.map(({ image, name }) => ({ name, target: image.index.desc })),
    blobs: images.flatMap(({ image }) => imageBlobs(image)),
    ...(dockerManifest.length > 0 ? { dockerManifest } : {}),
  };
}

/** One content source holding the blobs of several images. */
export function mergedContent(...images: BuiltImage[]): MemoryContent {
  return new MemoryContent(images.flatMap((i) => [...i.content.blobs]));
}
