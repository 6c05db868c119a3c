import { extractArtifact, type ExtractedLayer } from '../artifact/extract.js';
import { FerryError } from '../errors.js';
import { readDocument } from '../graph/read-document.js';
import { isManifest } from '../oci/mediatypes.js';
import { ManifestSchema } from '../oci/schemas.js';
import type { Store } from '../store/index.js';
import { lookupStoreDocument } from './ends/store-documents.js';

export interface ExtractArtifactResult {
  artifact: string;
  digest: string;
  artifactType?: string;
  dir: string;
  layers: ExtractedLayer[];
  warnings: string[];
}

/** `ferry extract ARTIFACT DIR [--layer N|TITLE]`: an artifact of the store (by name or digest) as files in DIR. */
export async function extractArtifactFromStore(store: Store, artifact: string, dir: string, opts: { layer?: string } = {}): Promise<ExtractArtifactResult> {
  const { name, desc } = await lookupStoreDocument(store, artifact);
  const label = name ?? desc.digest;
  if (!isManifest(desc.mediaType)) {
    throw new FerryError('ERR_UNSUPPORTED_MEDIA_TYPE', `${label} is a ${desc.mediaType}, not an artifact manifest`, {
      digest: desc.digest,
      hint: "name one manifest of it as NAME@sha256:… (see 'ferry images ls --json'), or unpack an image with 'ferry unpack'",
    });
  }
  const manifest = (await readDocument(store, desc, ManifestSchema)).value;
  const warnings: string[] = [];
  const layers = await extractArtifact(store, manifest, label, dir, { ...(opts.layer === undefined ? {} : { layer: opts.layer }), onWarning: (w) => warnings.push(w) });
  return {
    artifact: label,
    digest: desc.digest,
    ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
    dir,
    layers,
    warnings,
  };
}
