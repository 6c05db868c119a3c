import { existsSync } from 'node:fs';
import { FerryError } from '../../errors.js';

/** Which image of a multi-image archive an address names: `:REF` (a name or tag), or docker-archive's `:@N`. */
export type ImagePick = { ref: string } | { index: number };

/**
 * An archive named on the command line, as skopeo and buildah users write it:
 * - a path (a tar, tar.gz or tar.zst file, or an OCI layout directory), or `-` for stdin/stdout;
 * - `oci:DIR[:REF]`: an OCI layout directory, REF its `org.opencontainers.image.ref.name`;
 * - `oci-archive:FILE[:REF]`: an OCI layout tarball;
 * - `docker-archive:FILE[:REF|:@N]`: a docker save tarball, REF one of its RepoTags, @N its Nth image (from 0).
 * ferry detects the format from the content, so the prefix only says where the path ends and which image is meant.
 */
export interface ArchiveAddress {
  path: string;
  transport?: ArchiveTransport;
  pick?: ImagePick;
}

export const ARCHIVE_TRANSPORTS = ['oci', 'oci-archive', 'docker-archive'] as const;
export type ArchiveTransport = (typeof ARCHIVE_TRANSPORTS)[number];

/** Transports of skopeo and containers-image that name no archive: reported as such, not as "no such file". */
const OTHER_TRANSPORTS = ['docker', 'docker-daemon', 'containers-storage', 'dir', 'ostree', 'sif', 'tarball', 'containerd', 'store'];

const ADDRESS_FORMS = 'a path, -, oci:DIR[:REF], oci-archive:FILE[:REF] or docker-archive:FILE[:REF|@N]';

/** Whether `text` starts with an archive transport prefix (so it names an archive, not an image of the store). */
export function hasArchiveTransport(text: string): boolean {
  return ARCHIVE_TRANSPORTS.some((t) => text.startsWith(`${t}:`));
}

export function parseArchiveAddress(text: string): ArchiveAddress {
  // An existing file wins: `ferry import a:b.tar` of a file really named so still works.
  if (text === '-' || existsSync(text)) return { path: text };
  const colon = text.indexOf(':');
  const transport = colon > 0 ? text.slice(0, colon) : undefined;
  if (transport === undefined) return { path: text };
  if ((ARCHIVE_TRANSPORTS as readonly string[]).includes(transport)) {
    return splitPick(transport as ArchiveTransport, text.slice(colon + 1), text);
  }
  if (OTHER_TRANSPORTS.includes(transport) || text.slice(colon).startsWith('://')) {
    throw new FerryError('ERR_UNSUPPORTED', `${JSON.stringify(text)}: the ${transport}: transport does not name an archive`, {
      path: text,
      hint: `name an archive as ${ADDRESS_FORMS}; registries are docker://REF in ferry copy, or use ferry pull/push`,
    });
  }
  return { path: text };
}

/** `FILE:REF` splits at the first colon, as skopeo does: REF may hold colons (a tag), the path may not. */
function splitPick(transport: ArchiveTransport, rest: string, text: string): ArchiveAddress {
  const colon = rest.indexOf(':');
  const path = colon < 0 ? rest : rest.slice(0, colon);
  const ref = colon < 0 ? '' : rest.slice(colon + 1);
  if (path === '') {
    throw new FerryError('ERR_USAGE', `${JSON.stringify(text)} names no ${transport === 'oci' ? 'directory' : 'file'}`, { path: text, hint: `write ${ADDRESS_FORMS}` });
  }
  if (ref === '') return { path, transport };
  if (ref.startsWith('@')) {
    if (transport !== 'docker-archive' || !/^@\d+$/.test(ref)) {
      throw new FerryError('ERR_USAGE', `${JSON.stringify(text)}: @N picks an image by position only in docker-archive:FILE:@N`, { path: text, hint: `write ${ADDRESS_FORMS}` });
    }
    return { path, transport, pick: { index: Number(ref.slice(1)) } };
  }
  return { path, transport, pick: { ref } };
}

/** The address as written, for messages and results. */
export function formatArchiveAddress(address: ArchiveAddress): string {
  const pick = !address.pick ? '' : 'ref' in address.pick ? `:${address.pick.ref}` : `:@${address.pick.index}`;
  return address.transport ? `${address.transport}:${address.path}${pick}` : address.path;
}
