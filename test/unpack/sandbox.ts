import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { type ApplyStats, applyLayer } from '../../src/unpack/apply-layer.js';
import { type TarEntry, tarBytes } from '../helpers/tar.js';

/**
 * A temp directory with a rootfs nested three levels deep (so `../../..` from the rootfs still lands in the
 * sandbox) and an `outside` directory holding a sentinel file. `outsideState()` fingerprints everything in the
 * sandbox except the rootfs, so a test can assert a hostile layer changed nothing outside.
 */
export interface Sandbox {
  base: string;
  rootfs: string;
  outside: string;
  sentinel: string;
  outsideState(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export const SENTINEL_CONTENT = 'untouched\n';

export async function makeSandbox(): Promise<Sandbox> {
  const base = await mkdtemp(join(tmpdir(), 'ferry-unpack-'));
  const rootfs = join(base, 'a', 'b', 'rootfs');
  const outside = join(base, 'outside');
  const sentinel = join(outside, 'sentinel.txt');
  await mkdir(rootfs, { recursive: true });
  await mkdir(outside);
  await writeFile(sentinel, SENTINEL_CONTENT, { mode: 0o644 });
  return {
    base,
    rootfs,
    outside,
    sentinel,
    outsideState: () => fingerprint(base, base, rootfs),
    cleanup: () => rm(base, { recursive: true, force: true }),
  };
}

async function fingerprint(base: string, dir: string, skip: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    if (path === skip) continue;
    const st = await lstat(path);
    const rel = relative(base, path);
    if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(path)}`);
    else if (st.isDirectory()) out.push(`${rel}/ ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`, ...(await fingerprint(base, path, skip)));
    else out.push(`${rel} ${(st.mode & 0o7777).toString(8)} ${st.nlink} ${st.mtimeMs} ${JSON.stringify(await readFile(path, 'utf8'))}`);
  }
  return out;
}

/** Applies a layer built from `entries`; warnings are collected into the returned list. */
export async function applyEntries(
  rootfs: string,
  entries: TarEntry[],
  opts: { isRoot?: boolean; where?: string } = {},
): Promise<{ stats: ApplyStats; warnings: string[] }> {
  const warnings: string[] = [];
  const stats = await applyLayer(rootfs, Readable.from([await tarBytes(entries)]), {
    where: opts.where ?? 'test-layer',
    ...(opts.isRoot === undefined ? {} : { isRoot: opts.isRoot }),
    onWarning: (w) => warnings.push(w),
  });
  return { stats, warnings };
}

/** Every path under `dir`, relative, sorted, directories with a trailing slash and symlinks with their target. */
export async function tree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await readdir(join(dir, prefix))).sort()) {
    const rel = prefix ? `${prefix}/${name}` : name;
    const st = await lstat(join(dir, rel));
    if (st.isSymbolicLink()) out.push(`${rel} -> ${await readlink(join(dir, rel))}`);
    else if (st.isDirectory()) out.push(`${rel}/`, ...(await tree(dir, rel)));
    else out.push(rel);
  }
  return out;
}
