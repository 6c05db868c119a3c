import { FerryError } from '../errors.js';
import type { Descriptor } from '../oci/descriptor.js';
import { chain } from '../oci/chain.js';
import { VerifyingStream } from '../oci/digest.js';
import { MAX_DOCUMENT_BYTES, parseDocument, type RawDocument } from '../oci/document.js';
import type { ContentSource } from '../oci/transport.js';
import type { z } from 'zod';
import type { DocumentReader } from './walk.js';

/** Reads a JSON blob (manifest, index, config) whole, verified against its descriptor and size-capped. */
export async function readBlobBytes(source: ContentSource, desc: Descriptor): Promise<Buffer> {
  if (desc.size > MAX_DOCUMENT_BYTES) {
    throw new FerryError('ERR_TOO_LARGE', `document ${desc.digest} claims ${desc.size} bytes, more than the ${MAX_DOCUMENT_BYTES} allowed`, {
      digest: desc.digest,
      hint: 'the index or manifest that points to it is corrupt or hostile',
    });
  }
  const stream = chain(await source.fetch(desc), new VerifyingStream(desc));
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readDocument<S extends z.ZodType>(source: ContentSource, desc: Descriptor, schema: S): Promise<RawDocument<z.output<S>>> {
  return parseDocument(schema, await readBlobBytes(source, desc), `${desc.mediaType} ${desc.digest}`);
}

/** A content source as a walk's document reader: presence as the source answers it, documents verified and capped. */
export function sourceReader(source: ContentSource): DocumentReader {
  return { has: (desc) => source.has(desc as Descriptor), readDocument: (desc) => readBlobBytes(source, desc as Descriptor) };
}
