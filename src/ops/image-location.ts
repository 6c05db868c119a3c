import { FerryError } from '../errors.js';
import { formatReference, normalizeName, parseReference, type Reference } from '../oci/reference.js';

/**
 * Where `ferry copy` reads or writes an image:
 * - `docker://REF`: a registry (`docker://127.0.0.1:5000/team/app:1`);
 * - `store:NAME`: an image in the local store (`store:alpine:3.19`);
 * - `oci-archive:FILE`, `docker-archive:FILE` or a plain path: an archive file; `-` is stdin/stdout.
 * Archives are read in any format ferry imports and written as ferry exports them (OCI layout + manifest.json).
 */
export type ImageLocation =
  | { kind: 'registry'; ref: Reference }
  | { kind: 'store'; name: string }
  | { kind: 'archive'; path: string };

const ARCHIVE_PREFIXES = ['oci-archive:', 'docker-archive:'];

export function parseLocation(text: string): ImageLocation {
  if (text.startsWith('docker://')) return { kind: 'registry', ref: parseReference(text.slice('docker://'.length)) };
  if (text.startsWith('store:')) return { kind: 'store', name: normalizeName(text.slice('store:'.length)) };
  const prefix = ARCHIVE_PREFIXES.find((p) => text.startsWith(p));
  const path = prefix ? text.slice(prefix.length) : text;
  if (path === '') {
    throw new FerryError('ERR_USAGE', `${JSON.stringify(text)} names no archive file`, { hint: 'write oci-archive:FILE, docker://REF or store:NAME' });
  }
  return { kind: 'archive', path };
}

export function formatLocation(loc: ImageLocation): string {
  if (loc.kind === 'registry') return `docker://${formatReference(loc.ref)}`;
  if (loc.kind === 'store') return `store:${loc.name}`;
  return loc.path === '-' ? 'stdio' : loc.path;
}
