import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { FerryError, isFerryError } from '../errors.js';
import { isDigest } from '../oci/digest.js';
import {
  clearPath,
  type EntryAttributes,
  finishDirectory,
  makeDirectory,
  makeHardlink,
  makeSymlink,
  writeRegularFile,
} from './entry-writers.js';
import { LayerWarnings } from './layer-warnings.js';
import { type EntryLabel, entryComponents, resolveEntryPath, unsafePath } from './safe-path.js';
import { applyOpaque, applyWhiteout, whiteoutKind, WrittenPaths } from './whiteouts.js';

export interface ApplyOptions {
  /** The layer, for messages: its digest or a short name. */
  where: string;
  /** Apply ownership and setuid/setgid bits; defaults to whether the process runs as root. */
  isRoot?: boolean;
  /** Called once per kind of thing the layer asked for that could not be done. */
  onWarning?(message: string): void;
  /** Called after each entry is applied (for progress displays). */
  onEntry?(): void;
}

export interface ApplyStats {
  entries: number;
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  whiteouts: number;
  /** Entries not applied: device nodes, fifos, unsupported types, the root itself, AUFS metadata. */
  skipped: number;
  /** Bytes of regular file content written. */
  bytes: number;
}

/** A tar-stream entry as it really arrives: unknown type flags come through as null, PAX records as strings. */
interface TarEntry extends AsyncIterable<Buffer> {
  header: Omit<tar.Header, 'type' | 'pax'> & { type: tar.Header['type'] | null; pax?: Record<string, string> | null };
  resume(): unknown;
}

const XATTR_PAX_PREFIX = 'SCHILY.xattr.';
const SETID_BITS = 0o6000;

/**
 * Applies one layer (an uncompressed OCI changeset tar) on top of `rootfs`, following the image-spec's
 * "applying changesets": entries replace what lower layers left at their path, whiteouts delete, opaque markers
 * hide a directory's lower children. Every path goes through safe-path, so nothing in the layer and nothing
 * already on disk can make a write land outside `rootfs`. On failure the rootfs is left partly applied: callers
 * that need all-or-nothing unpack into a temporary directory (see snapshot.ts).
 */
export async function applyLayer(rootfs: string, tarStream: Readable, opts: ApplyOptions): Promise<ApplyStats> {
  const applier = new LayerApplier(rootfs, opts.where, opts.isRoot ?? process.getuid?.() === 0);
  const extract = tar.extract();
  // Errors of the input (a failed download, a digest mismatch) pass through as they are; only the parser's own
  // plain Errors are turned into "not a valid tar".
  let inputError: unknown;
  tarStream.once('error', (err) => (inputError = err));
  const feeding = pipeline(tarStream, extract);
  // Awaited below; an early failure also surfaces through the entry loop, so it must not count as unhandled.
  feeding.catch(() => {});
  try {
    for await (const entry of extract) {
      await applier.apply(entry as unknown as TarEntry);
      opts.onEntry?.();
    }
    await feeding;
    await applier.finishDirectories();
  } catch (err) {
    // An entry whose data stops early only sees its stream destroyed; the tar stream knows why.
    const fed = await feeding.then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = isStreamTeardown(err) && fed !== undefined ? fed : err;
    throw cause === inputError ? cause : asLayerError(cause, opts.where);
  }
  for (const message of applier.warnings.messages()) opts.onWarning?.(message);
  return applier.stats;
}

class LayerApplier {
  readonly stats: ApplyStats = { entries: 0, files: 0, directories: 0, symlinks: 0, hardlinks: 0, whiteouts: 0, skipped: 0, bytes: 0 };
  readonly warnings: LayerWarnings;
  private readonly written: WrittenPaths;
  /** Directories whose mode and mtime are set at the end, by entry components (re-resolved then). */
  private readonly directories: { components: string[]; label: EntryLabel; attrs: EntryAttributes }[] = [];

  constructor(private readonly root: string, private readonly where: string, private readonly isRoot: boolean) {
    this.warnings = new LayerWarnings(where);
    this.written = new WrittenPaths(root);
  }

  async apply(entry: TarEntry): Promise<void> {
    const header = entry.header;
    const label: EntryLabel = { where: this.where, entry: header.name };
    this.stats.entries++;
    try {
      await this.applyEntry(entry, header, label);
    } catch (err) {
      throw asEntryError(err, label);
    } finally {
      // Whatever was not read (skipped entries, failures) must be drained for the tar parser to move on.
      entry.resume();
    }
  }

  private async applyEntry(entry: TarEntry, header: TarEntry['header'], label: EntryLabel): Promise<void> {
    const components = entryComponents(header.name, label);
    const type = header.type ?? 'file';
    const kind = components.length === 0 ? 'none' : whiteoutKind(components[components.length - 1]!);
    if (kind === 'whiteout' || kind === 'opaque') {
      this.stats.whiteouts++;
      if (kind === 'opaque') await applyOpaque(this.root, components, this.written, label);
      else await applyWhiteout(this.root, components, label);
      return;
    }
    if (kind === 'meta') return this.skip();
    if (type === 'character-device' || type === 'block-device' || type === 'fifo') {
      this.warnings.add('device', header.name);
      return this.skip();
    }
    if (type !== 'file' && type !== 'contiguous-file' && type !== 'directory' && type !== 'symlink' && type !== 'link') {
      this.warnings.add('unknown-type', header.name);
      return this.skip();
    }

    const path = await resolveEntryPath(this.root, components, label);
    // The root's own entry (`./`): the rootfs directory belongs to the caller, not to the layer.
    if (path === undefined) return this.skip();
    await mkdir(dirname(path), { recursive: true, mode: 0o755 });
    const attrs = this.attributes(header, type === 'directory' ? 0o755 : 0o644);

    switch (type) {
      case 'directory': {
        const kept = await clearPath(path, true);
        await makeDirectory(path, kept, attrs, this.isRoot);
        this.directories.push({ components, label, attrs });
        this.stats.directories++;
        break;
      }
      case 'symlink':
        await clearPath(path, false);
        await makeSymlink(path, header.linkname ?? '', attrs, this.isRoot);
        this.stats.symlinks++;
        break;
      case 'link':
        await this.hardlink(path, header.linkname ?? '', label);
        break;
      default:
        await clearPath(path, false);
        this.stats.bytes += await writeRegularFile(path, entry, attrs, this.isRoot);
        this.stats.files++;
    }
    this.written.add(path);
    this.noteXattrs(header);
  }

  private async hardlink(path: string, linkname: string, label: EntryLabel): Promise<void> {
    const targetLabel: EntryLabel = { ...label, entry: `${label.entry} -> ${linkname}` };
    const source = await resolveEntryPath(this.root, entryComponents(linkname, targetLabel), targetLabel);
    if (source === undefined) throw unsafePath(targetLabel, 'is a hardlink to the root directory');
    if (source === path) return;
    await clearPath(path, false);
    const outcome = await makeHardlink(path, source);
    if (outcome !== 'linked') {
      throw new FerryError('ERR_INVALID_DOCUMENT', `layer ${this.where}: hardlink ${JSON.stringify(label.entry)} points to ${outcome === 'missing' ? 'a missing file' : 'a directory'} ${JSON.stringify(linkname)}`, {
        path: label.entry,
        ...(isDigest(this.where) ? { digest: this.where } : {}),
        hint: 'a hardlink must name a file written earlier in this layer or a lower one; the image is corrupt',
      });
    }
    this.stats.hardlinks++;
  }

  /** Mode bits filtered by privilege: setuid/setgid only for root, as ownership is only applied for root. */
  private attributes(header: TarEntry['header'], defaultMode: number): EntryAttributes {
    let mode = (header.mode ?? defaultMode) & 0o7777;
    const uid = header.uid ?? 0;
    const gid = header.gid ?? 0;
    if (!this.isRoot) {
      if (mode & SETID_BITS) this.warnings.add('setid', header.name);
      mode &= ~SETID_BITS;
      if (uid !== 0 || gid !== 0) this.warnings.add('ownership', header.name);
    }
    return { mode, uid, gid, mtime: header.mtime ?? new Date(0) };
  }

  /** Node has no setxattr; PAX `SCHILY.xattr.*` records (file capabilities, SELinux labels) are reported instead. */
  private noteXattrs(header: TarEntry['header']): void {
    const count = Object.keys(header.pax ?? {}).filter((key) => key.startsWith(XATTR_PAX_PREFIX)).length;
    if (count > 0) this.warnings.add('xattr', header.name, count);
  }

  private skip(): void {
    this.stats.skipped++;
  }

  /** Sets directory modes and mtimes last, so children written later did not disturb them. */
  async finishDirectories(): Promise<void> {
    for (const dir of this.directories) {
      // Re-resolved: a later entry may have replaced a parent with a symlink since the directory was made.
      const path = await resolveEntryPath(this.root, dir.components, dir.label);
      if (path !== undefined) await finishDirectory(path, dir.attrs);
    }
  }
}

/** Errors of one entry: filesystem failures get the layer and entry named. */
function asEntryError(err: unknown, label: EntryLabel): unknown {
  if (isFerryError(err) || !isErrno(err)) return err;
  const badLayer = err.code === 'ENOTDIR' || err.code === 'EEXIST' || err.code === 'EISDIR' || err.code === 'ENAMETOOLONG';
  return new FerryError(
    badLayer ? 'ERR_INVALID_DOCUMENT' : 'ERR_STORE',
    `layer ${label.where}: cannot apply entry ${JSON.stringify(label.entry)}: ${err.message}`,
    {
      path: label.entry,
      ...(isDigest(label.where) ? { digest: label.where } : {}),
      hint: badLayer ? 'the layer conflicts with the layers below it; the image is corrupt' : 'check free space and permissions of the unpack directory',
      cause: err,
    },
  );
}

/** Errors of the tar stream itself (tar-stream throws plain Errors) become FerryErrors naming the layer. */
function asLayerError(err: unknown, where: string): unknown {
  if (isFerryError(err) || !(err instanceof Error) || (err as NodeJS.ErrnoException).code !== undefined) return err;
  const truncated = /unexpected end/i.test(err.message);
  return new FerryError(truncated ? 'ERR_TRUNCATED' : 'ERR_INVALID_DOCUMENT', `layer ${where} is ${truncated ? 'a truncated' : 'not a valid'} tar archive (${err.message})`, {
    ...(isDigest(where) ? { digest: where } : {}),
    hint: 'the layer is damaged; fetch or export the image again',
    cause: err,
  });
}

function isStreamTeardown(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'STREAM_DESTROYED' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}
