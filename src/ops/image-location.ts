import { formatReference, normalizeName, parseReference, type Reference } from '../oci/reference.js';
import { parseArchiveAddress } from './archive-address.js';

/**
 * Where `ferry copy` reads or writes an image:
 * - `docker://REF`: a registry (`docker://127.0.0.1:5000/team/app:1`);
 * - `store:NAME`: an image in the local store (`store:alpine:3.19`);
 * - an archive address (archive-address.ts): a path, `oci:DIR[:REF]`, `oci-archive:FILE[:REF]`,
 *   `docker-archive:FILE[:REF|@N]`; `-` is stdin/stdout. Written archives take REF as the image's name.
 * Archives are read in any format ferry imports and written as ferry exports them (OCI layout + manifest.json).
 */
export type ImageLocation =
  | { kind: 'registry'; ref: Reference }
  | { kind: 'store'; name: string }
  | { kind: 'archive'; path: string };

export function parseLocation(text: string): ImageLocation {
  if (text.startsWith('docker://')) return { kind: 'registry', ref: parseReference(text.slice('docker://'.length)) };
  if (text.startsWith('store:')) return { kind: 'store', name: normalizeName(text.slice('store:'.length)) };
  // Checked here so a bad address fails before anything is read; openInput parses it again when it opens it.
  parseArchiveAddress(text);
  return { kind: 'archive', path: text };
}

export function formatLocation(loc: ImageLocation): string {
  if (loc.kind === 'registry') return `docker://${formatReference(loc.ref)}`;
  if (loc.kind === 'store') return `store:${loc.name}`;
  return loc.path === '-' ? 'stdio' : loc.path;
}
