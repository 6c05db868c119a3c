import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';
import { FerryError } from '../errors.js';
import { MediaType } from '../oci/mediatypes.js';
import { parseDocument, serializeDocument } from '../oci/document.js';
import { OciLayoutSchema } from '../oci/schemas.js';
import { createFileExclusive } from './atomic.js';

/** The layout version ferry writes; it reads any `^1.0.0`. */
export const IMAGE_LAYOUT_VERSION = '1.0.0';
const SUPPORTED_LAYOUT_VERSIONS = '^1.0.0';

/**
 * Paths inside a store root. `oci-layout`, `index.json` and `blobs/` are the OCI image layout that skopeo, umoci
 * and containerd read. Everything private to ferry sits under `ingest/` (temp files, staging areas and their
 * locks) plus the `ferry.lock` of index.json: OCI readers only look at the three spec entries, so the private
 * ones never confuse them.
 */
export interface LayoutPaths {
  root: string;
  ociLayout: string;
  index: string;
  blobs: string;
  ingest: string;
  lock: string;
}

export function layoutPaths(root: string): LayoutPaths {
  return {
    root,
    ociLayout: join(root, 'oci-layout'),
    index: join(root, 'index.json'),
    blobs: join(root, 'blobs'),
    ingest: join(root, 'ingest'),
    lock: join(root, 'ferry.lock'),
  };
}

/**
 * Opens the layout at `root`, creating what is missing. A root whose `oci-layout` names a version ferry does not
 * understand is refused rather than written to, so ferry never corrupts a layout of a future spec.
 */
export async function openLayout(root: string): Promise<LayoutPaths> {
  const paths = layoutPaths(root);
  await mkdir(root, { recursive: true });
  // Exclusive creation: two processes opening a fresh root at once must not overwrite each other's files.
  await createFileExclusive(paths.ociLayout, serializeDocument({ imageLayoutVersion: IMAGE_LAYOUT_VERSION }));
  await checkLayoutVersion(paths);
  await mkdir(join(paths.blobs, 'sha256'), { recursive: true });
  await mkdir(paths.ingest, { recursive: true });
  await createFileExclusive(paths.index, serializeDocument({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] }));
  return paths;
}

/**
 * Opens an existing layout for reading only: nothing is created or written (no temp file, no lock), so a store
 * the user may only read works, and a root that holds no store is an error instead of a new empty one.
 */
export async function openExistingLayout(root: string): Promise<LayoutPaths> {
  const paths = layoutPaths(root);
  const missing = await stat(paths.index).then(
    () => undefined,
    (err: NodeJS.ErrnoException) => err,
  );
  if (missing) {
    const reason = missing.code === 'ENOENT' ? 'there is no ferry store' : `cannot read the store (${missing.code ?? missing.message})`;
    throw new FerryError('ERR_STORE', `${reason} at ${root}`, {
      path: root,
      hint: 'check --root / FERRY_ROOT (default $XDG_DATA_HOME/ferry, else ~/.local/share/ferry); import or pull an image to create a store',
    });
  }
  await checkLayoutVersion(paths);
  return paths;
}

async function checkLayoutVersion(paths: LayoutPaths): Promise<void> {
  const { imageLayoutVersion } = parseDocument(OciLayoutSchema, await readFile(paths.ociLayout), paths.ociLayout).value;
  if (!semver.valid(imageLayoutVersion) || !semver.satisfies(imageLayoutVersion, SUPPORTED_LAYOUT_VERSIONS)) {
    throw new FerryError('ERR_STORE', `${paths.ociLayout} has imageLayoutVersion ${JSON.stringify(imageLayoutVersion)}, ferry supports ${SUPPORTED_LAYOUT_VERSIONS}`, {
      path: paths.ociLayout,
      hint: 'use a newer ferry for this store, or pick another one with --root or FERRY_ROOT',
    });
  }
}
