import { FerryError } from '../../errors.js';
import { formatReference, normalizeName, parseReference, type Reference } from '../../oci/reference.js';
import { parseArchiveAddress } from './archive-address.js';

/**
 * Where `ferry copy` reads or writes an image:
 * - `docker://REF`: a registry (`docker://127.0.0.1:5000/team/app:1`);
 * - `store:NAME`: an image in the local store (`store:alpine:3.19`);
 * - `containerd:[NAMESPACE/]NAME`: an image record of containerd (`containerd:k8s.io/docker.io/library/app:1`);
 *   the part before the first `/` is always the namespace, so a name with a `/` needs one (default: `default`);
 * - `docker-daemon:NAME`: an image of the docker engine (`docker-daemon:app:1`);
 * - an archive address (archive-address.ts): a path, `oci:DIR[:REF]`, `oci-archive:FILE[:REF]`,
 *   `docker-archive:FILE[:REF|@N]`; `-` is stdin/stdout. Written archives take REF as the image's name.
 * Archives are read in any format ferry imports and written as ferry exports them (OCI layout + manifest.json).
 */
export type ImageLocation =
  | { kind: 'registry'; ref: Reference }
  | { kind: 'store'; name: string }
  | { kind: 'containerd'; namespace: string; name: string }
  | { kind: 'docker-daemon'; name: string }
  | { kind: 'archive'; path: string };

export function parseLocation(text: string): ImageLocation {
  if (text.startsWith('docker://')) return { kind: 'registry', ref: parseReference(text.slice('docker://'.length)) };
  if (text.startsWith('store:')) return { kind: 'store', name: normalizeName(text.slice('store:'.length)) };
  if (text.startsWith('containerd:')) return parseContainerdLocation(text.slice('containerd:'.length));
  if (text.startsWith('docker-daemon:')) return { kind: 'docker-daemon', name: normalizeName(requireName(text, text.slice('docker-daemon:'.length))) };
  // Checked here so a bad address fails before anything is read; openInput parses it again when it opens it.
  parseArchiveAddress(text);
  return { kind: 'archive', path: text };
}

/** containerd's namespace rule: letters and digits, with `.`, `_` and `-` between them. */
const NAMESPACE = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;

function parseContainerdLocation(text: string): ImageLocation {
  const slash = text.indexOf('/');
  const namespace = slash < 0 ? 'default' : text.slice(0, slash);
  const name = requireName(`containerd:${text}`, slash < 0 ? text : text.slice(slash + 1));
  if (!NAMESPACE.test(namespace)) {
    throw new FerryError('ERR_USAGE', `${JSON.stringify(namespace)} is not a containerd namespace`, {
      hint: `the part before the first / is the namespace: write containerd:default/${text}`,
    });
  }
  return { kind: 'containerd', namespace, name: normalizeName(name) };
}

function requireName(text: string, name: string): string {
  if (name === '') throw new FerryError('ERR_USAGE', `${JSON.stringify(text)} names no image`, { hint: 'write containerd:[NAMESPACE/]NAME or docker-daemon:NAME' });
  return name;
}

export function formatLocation(loc: ImageLocation): string {
  if (loc.kind === 'registry') return `docker://${formatReference(loc.ref)}`;
  if (loc.kind === 'store') return `store:${loc.name}`;
  if (loc.kind === 'containerd') return `containerd:${loc.namespace}/${loc.name}`;
  if (loc.kind === 'docker-daemon') return `docker-daemon:${loc.name}`;
  return loc.path === '-' ? 'stdio' : loc.path;
}
