import { FerryError } from '../errors.js';
import { isDigest } from '../oci/digest.js';
import type { EntryLabel } from './safe-path.js';

/** The largest uid/gid Linux can store ((uid_t)-1 means "no change"). */
const MAX_ID = 2 ** 32 - 2;

/** The header fields of a layer entry that the checks here read. */
interface CheckedHeader {
  type?: string | null;
  linkname?: string | null;
  uid?: number;
  gid?: number;
  mtime?: Date;
}

/**
 * Refuses header values no filesystem call can honour, before anything is written for the entry: a uid or gid
 * beyond 32 bits (chown throws a RangeError, not an errno), an mtime that is no date, a symlink with an empty
 * target (symlink(2) fails with ENOENT, which would read as a disk problem). Each is bad content, so each is
 * ERR_INVALID_DOCUMENT naming the layer and the entry.
 */
export function checkEntryHeader(header: CheckedHeader, label: EntryLabel): void {
  for (const [field, value] of [
    ['uid', header.uid],
    ['gid', header.gid],
  ] as const) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= MAX_ID)) {
      throw invalidEntry(label, `has ${field} ${value}, outside 0…${MAX_ID}`);
    }
  }
  if (header.mtime !== undefined && !Number.isFinite(header.mtime.getTime())) throw invalidEntry(label, 'has an mtime that is not a valid date');
  if (header.type === 'symlink' && !header.linkname) throw invalidEntry(label, 'is a symlink with an empty target');
}

function invalidEntry(label: EntryLabel, what: string): FerryError {
  return new FerryError('ERR_INVALID_DOCUMENT', `layer ${label.where}: entry ${JSON.stringify(label.entry)} ${what}`, {
    path: label.entry,
    ...(isDigest(label.where) ? { digest: label.where } : {}),
    hint: 'the layer is corrupt or was written by a broken tool; rebuild or fetch the image again',
  });
}
