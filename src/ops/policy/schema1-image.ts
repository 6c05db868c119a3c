import { convertSchema1, type Schema1Source } from '../../convert/schema1/convert-schema1.js';
import type { ArchiveImage } from '../../archive/read/index.js';
import { isSchema1 } from '../../oci/mediatypes.js';
import type { BlobSink } from '../../oci/transport.js';

/**
 * Schema1 images (Docker's pre-2017 format, still met in old archives) are converted on arrival to schema2:
 * the new manifest becomes the image's target, annotated with the schema1 digest it came from.
 */
export async function convertSchema1Image(content: Schema1Source & BlobSink, found: ArchiveImage): Promise<ArchiveImage> {
  if (!isSchema1(found.target.mediaType)) return found;
  const converted = await convertSchema1(content, content, found.target, { format: 'docker' });
  return { ...found, target: converted.manifest };
}
