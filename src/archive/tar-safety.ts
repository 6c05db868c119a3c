/**
 * Entry names and link targets of archives ferry reads are attacker-controlled. Every name is reduced to a clean
 * archive-relative path here, and anything that could point outside the archive is refused, so no later code
 * has to think about `..`, absolute paths or links leaving the archive.
 */
import { posix } from 'node:path';
import { FerryError } from '../errors.js';

/** How many links a chain may have before it is treated as a loop. */
export const MAX_LINK_HOPS = 16;

const HOSTILE_HINT = 'the archive is corrupt or hostile; do not import it';

/**
 * The clean relative form of an entry name (`./a//b/` → `a/b`, `./` → ``). Refuses absolute names and any `..`
 * component, even one that would stay inside the archive: no honest writer produces them.
 */
export function safeEntryName(name: string, where: string): string {
  if (name.startsWith('/')) throw unsafe(`${where}: entry ${quote(name)} is an absolute path`, name);
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw unsafe(`${where}: entry ${quote(name)} climbs out of its directory with ..`, name);
  return parts.join('/');
}

/**
 * Where a symlink points, as an archive path: relative to the link's own directory (`abc/layer.tar` →
 * `../x.tar` is `x.tar`), the way docker and skopeo write repeated layers. Absolute targets and targets outside
 * the archive are refused.
 */
export function symlinkTarget(linkName: string, target: string, where: string): string {
  if (target.startsWith('/')) throw unsafe(`${where}: symlink ${quote(linkName)} points to the absolute path ${quote(target)}`, linkName);
  const resolved = posix.normalize(posix.join(posix.dirname(linkName), target));
  if (resolved === '..' || resolved.startsWith('../')) {
    throw unsafe(`${where}: symlink ${quote(linkName)} points outside the archive (${quote(target)})`, linkName);
  }
  return resolved === '.' ? '' : resolved.replace(/\/+$/, '');
}

/** Where a hard link points: tar names a hard link's target from the archive root, like any entry name. */
export function hardlinkTarget(linkName: string, target: string, where: string): string {
  try {
    return safeEntryName(target, where);
  } catch {
    throw unsafe(`${where}: hard link ${quote(linkName)} points outside the archive (${quote(target)})`, linkName);
  }
}

function unsafe(message: string, name: string): FerryError {
  return new FerryError('ERR_UNSAFE_PATH', message, { path: name, hint: HOSTILE_HINT });
}

function quote(name: string): string {
  return JSON.stringify(name.slice(0, 200));
}
