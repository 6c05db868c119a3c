import { closeSync } from 'node:fs';
import { FerryError, isFerryError } from '../errors.js';
import { isDigest } from '../oci/digest.js';
import {
  chownDirectory,
  clearPath,
  creationMode,
  directoryCreationMode,
  type EntryAttributes,
  finishDirectory,
  finishSymlink,
  finishRegularFile,
  hardlinkSource,
  makeDirectory,
  makeHardlink,
  makeSymlink,
  openNewFile,
  writeContent,
} from './entry-writers.js';
import { checkEntryHeader } from './layer-errors.js';
import { LayerWarnings } from './layer-warnings.js';
import { type EntryLabel, entryComponents, type ResolvedDirectory, RootResolver, unsafePath } from './safe-path.js';
import { applyOpaque, applyWhiteout, whiteoutKind, WrittenPaths } from './whiteouts.js';

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

/** The header fields of a tar entry the applier reads: as tar-stream gives them (unknown type flags as null). */
export interface EntryHeader {
  name: string;
  type: string | null;
  /** Bytes of content that follow the header. */
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  linkname?: string | null;
  pax?: Record<string, string> | null;
}

const XATTR_PAX_PREFIX = 'SCHILY.xattr.';
const SETID_BITS = 0o6000;

/** The regular file being written: its content comes after its header, possibly over several batches. */
interface OpenFile {
  fd: number;
  /** Bytes of content still to come. */
  left: number;
  attrs: EntryAttributes;
  setMode: boolean;
  label: EntryLabel;
}

/**
 * Applies the entries of one layer, in order, on top of a rootfs, following the image-spec's "applying
 * changesets": entries replace what lower layers left at their path, whiteouts delete, opaque markers hide a
 * directory's lower children. Every path goes through safe-path, so nothing in the layer and nothing already on
 * disk can make a write land outside the rootfs. It owns the layer's path resolver, so one applier sees every
 * change the layer makes; it runs in the layer worker (layer-worker.ts).
 *
 * It is driven by the tar stream's own sequence — a header, then that entry's content — with synchronous calls
 * only: the worker applies a whole batch of entries in one go, without a promise per entry or per chunk.
 */
export class LayerApplier {
  readonly stats: ApplyStats = { entries: 0, files: 0, directories: 0, symlinks: 0, hardlinks: 0, whiteouts: 0, skipped: 0, bytes: 0 };
  readonly warnings: LayerWarnings;
  private readonly written: WrittenPaths;
  private readonly resolver: RootResolver;
  /** Who owns what this process creates, to skip chown calls that would change nothing. */
  private readonly uid = process.geteuid?.() ?? -1;
  private readonly gid = process.getegid?.() ?? -1;
  /** Directories whose mode and mtime are set at the end, by entry components (re-resolved then). */
  private readonly directories: { components: string[]; label: EntryLabel; attrs: EntryAttributes; setMode: boolean }[] = [];
  private file: OpenFile | undefined;

  constructor(root: string, private readonly where: string, private readonly isRoot: boolean) {
    this.warnings = new LayerWarnings(where);
    this.written = new WrittenPaths(root);
    this.resolver = new RootResolver(root);
  }

  /** Applies one entry's header: everything but a regular file is done here; a file is created to take its content. */
  header(header: EntryHeader): void {
    if (this.file) throw new FerryError('ERR_INTERNAL', `layer ${this.where}: entry ${JSON.stringify(this.file.label.entry)} got ${this.file.left} bytes less content than its size`);
    const label: EntryLabel = { where: this.where, entry: header.name };
    this.stats.entries++;
    try {
      this.applyEntry(header, label);
    } catch (err) {
      throw asEntryError(err, label);
    }
  }

  /** Content of the entry whose header came last; dropped unless that entry is a regular file being written. */
  content(chunk: Uint8Array): void {
    const file = this.file;
    if (!file) return;
    try {
      if (chunk.length > file.left) throw new FerryError('ERR_INTERNAL', `layer ${this.where}: entry ${JSON.stringify(file.label.entry)} got more content than its size`);
      writeContent(file.fd, chunk);
      file.left -= chunk.length;
      this.stats.bytes += chunk.length;
      if (file.left === 0) this.closeFile(file);
    } catch (err) {
      throw asEntryError(err, file.label);
    }
  }

  /** The whole layer was applied: sets the directories' modes and mtimes. */
  finish(): void {
    if (this.file) throw new FerryError('ERR_INTERNAL', `layer ${this.where}: entry ${JSON.stringify(this.file.label.entry)} ended ${this.file.left} bytes short`);
    this.finishDirectories();
  }

  /** The layer stops here (its stream or an entry failed): the file being written is closed as it is. */
  abandon(): void {
    const file = this.file;
    this.file = undefined;
    if (file) closeSync(file.fd);
  }

  private closeFile(file: OpenFile): void {
    this.file = undefined;
    finishRegularFile(file.fd, file.attrs, file.setMode);
  }

  private applyEntry(header: EntryHeader, label: EntryLabel): void {
    checkEntryHeader(header, label);
    const components = entryComponents(header.name, label);
    const type = header.type ?? 'file';
    const kind = components.length === 0 ? 'none' : whiteoutKind(components[components.length - 1]!);
    if (kind === 'whiteout' || kind === 'opaque') {
      this.stats.whiteouts++;
      if (kind === 'opaque') applyOpaque(this.resolver, components, this.written, label);
      else applyWhiteout(this.resolver, components, label);
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
    // The root's own entry (`./`): the rootfs directory belongs to the caller, not to the layer.
    if (components.length === 0) return this.skip();

    const parent = this.resolver.parentDirectory(components, label);
    const path = `${parent.path === '/' ? '' : parent.path}/${components[components.length - 1]!}`;
    const attrs = this.attributes(header, type === 'directory' ? 0o755 : 0o644, parent);

    switch (type) {
      case 'directory':
        this.directory(path, components, label, attrs, parent);
        this.stats.directories++;
        break;
      case 'symlink': {
        const target = header.linkname ?? '';
        this.createNew(path, () => makeSymlink(path, target));
        this.resolver.addedSymlink(path, target);
        finishSymlink(path, attrs);
        this.stats.symlinks++;
        break;
      }
      case 'link':
        this.hardlink(path, header.linkname ?? '', label);
        break;
      default: {
        const planned = creationMode(attrs.mode, 0o600);
        const fd = this.createNew(path, () => openNewFile(path, planned.mode));
        const file: OpenFile = { fd, left: header.size ?? 0, attrs, setMode: planned.setLater, label };
        this.stats.files++;
        if (file.left === 0) finishRegularFile(fd, attrs, file.setMode);
        else this.file = file;
      }
    }
    this.written.addChild(path, parent.path);
    this.noteXattrs(header);
  }

  /**
   * Runs `create`, which makes a new object at `path` and fails with EEXIST when the name is taken: only then is
   * the name cleared (what was there may have been a tree or a symlink, so the resolver forgets) and `create` retried.
   */
  private createNew<T>(path: string, create: () => T): T {
    try {
      return create();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    this.clear(path);
    return create();
  }

  /** Removes what is at `path`; the resolver forgets what it knew only when that was a tree or a symlink. */
  private clear(path: string): void {
    const { existing } = clearPath(path, false);
    if (!existing || existing.isDirectory() || existing.isSymbolicLink()) this.resolver.removed();
  }

  private directory(path: string, components: string[], label: EntryLabel, attrs: EntryAttributes, parent: ResolvedDirectory): void {
    const planned = directoryCreationMode(attrs.mode);
    let setMode = planned.setLater || parent.setgid;
    // Linux gives a directory made inside a setgid directory the setgid bit too.
    let setgid = parent.setgid;
    try {
      makeDirectory(path, planned.mode);
      chownDirectory(path, attrs);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const { existing: kept, kept: merged } = clearPath(path, true);
      if (kept && merged) {
        // A lower layer's directory: the layers merge, and its owner and mode become this entry's.
        setMode = true;
        setgid = (kept.mode & 0o2000) !== 0;
        chownDirectory(path, { ...attrs, chown: this.isRoot && (kept.uid !== attrs.uid || kept.gid !== attrs.gid) });
      } else {
        if (!kept || kept.isSymbolicLink()) this.resolver.removed();
        makeDirectory(path, planned.mode);
        chownDirectory(path, attrs);
      }
    }
    this.resolver.addedDirectory(components, path, setgid);
    this.directories.push({ components, label, attrs, setMode });
  }

  private hardlink(path: string, linkname: string, label: EntryLabel): void {
    const targetLabel: EntryLabel = { ...label, entry: `${label.entry} -> ${linkname}` };
    const source = this.resolver.entryPath(entryComponents(linkname, targetLabel), targetLabel);
    if (source === undefined) throw unsafePath(targetLabel, 'is a hardlink to the root directory');
    if (source === path) return;
    let found = hardlinkSource(source);
    if (typeof found !== 'string') {
      try {
        makeHardlink(path, source);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        // Clearing the name may remove the source too (a link to a file inside the directory it replaces).
        this.clear(path);
        found = hardlinkSource(source);
        if (typeof found !== 'string') makeHardlink(path, source);
      }
    }
    if (typeof found === 'string') {
      throw new FerryError('ERR_INVALID_DOCUMENT', `layer ${this.where}: hardlink ${JSON.stringify(label.entry)} points to ${found === 'missing' ? 'a missing file' : 'a directory'} ${JSON.stringify(linkname)}`, {
        path: label.entry,
        ...(isDigest(this.where) ? { digest: this.where } : {}),
        hint: 'a hardlink must name a file written earlier in this layer or a lower one; the image is corrupt',
      });
    }
    // link(2) of a symlink makes another symlink, which changes how paths through this name resolve.
    if (found.isSymbolicLink()) this.resolver.removed();
    this.stats.hardlinks++;
  }

  /**
   * Mode bits filtered by privilege: setuid/setgid only for root, as ownership is only applied for root. chown is
   * skipped when the new object already gets that owner: ours, and our group unless the parent is setgid.
   */
  private attributes(header: EntryHeader, defaultMode: number, parent: ResolvedDirectory): EntryAttributes {
    let mode = (header.mode ?? defaultMode) & 0o7777;
    const uid = header.uid ?? 0;
    const gid = header.gid ?? 0;
    if (!this.isRoot) {
      if (mode & SETID_BITS) this.warnings.add('setid', header.name);
      mode &= ~SETID_BITS;
      if (uid !== 0 || gid !== 0) this.warnings.add('ownership', header.name);
    }
    const chown = this.isRoot && (uid !== this.uid || gid !== this.gid || parent.setgid);
    return { mode, uid, gid, mtime: header.mtime ?? new Date(0), chown };
  }

  /** Node has no setxattr; PAX `SCHILY.xattr.*` records (file capabilities, SELinux labels) are reported instead. */
  private noteXattrs(header: EntryHeader): void {
    if (!header.pax) return;
    const count = Object.keys(header.pax).filter((key) => key.startsWith(XATTR_PAX_PREFIX)).length;
    if (count > 0) this.warnings.add('xattr', header.name, count);
  }

  private skip(): void {
    this.stats.skipped++;
  }

  /** Sets directory modes and mtimes last, so children written later did not disturb them. */
  private finishDirectories(): void {
    for (const dir of this.directories) {
      // Re-resolved: a later entry may have replaced a parent with a symlink since the directory was made.
      const path = this.resolver.entryPath(dir.components, dir.label);
      if (path !== undefined) finishDirectory(path, dir.attrs, dir.setMode);
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

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code!);
}
