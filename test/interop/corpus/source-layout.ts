import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CorpusPlatform } from './platforms.js';

/** The name the corpus image carries in every tool. */
export const CORPUS_REPO = 'docker.io/ferry/corpus';

/** A directory name and a file name that make a path over 100 bytes (a GNU LongLink / PAX path in tar). */
export const LONG_DIR = `deep-${'d'.repeat(60)}`;
export const LONG_FILE = `name-${'n'.repeat(110)}.txt`;

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

function writeBlob(layout: string, bytes: Buffer, mediaType: string): Blob {
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** Deterministic pseudo-random bytes (incompressible, so layer sizes stay realistic). */
function noise(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** GNU tar of a staged directory, entries sorted, mtime 0, numeric owners as staged (needs root for owners). */
function tarOf(stage: string, format: 'gnu' | 'posix'): Buffer {
  const top = execFileSync('ls', ['-A', stage], { encoding: 'utf8' }).split('\n').filter(Boolean);
  const args = ['--sort=name', '--mtime=@0', '--numeric-owner', `--format=${format}`, '-C', stage, '-cf', '-'];
  if (format === 'posix') args.push('--pax-option=delete=atime,delete=ctime');
  return top.length > 0 ? execFileSync('tar', [...args, ...top], { maxBuffer: 1 << 28 }) : execFileSync('tar', [...args, '-T', '/dev/null']);
}

function stageBase(dir: string, busybox: string): void {
  for (const d of ['bin', 'etc', 'root', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o1777);
  chmodSync(join(dir, 'root'), 0o700);
  copyFileSync(join(busybox, 'bin', 'busybox'), join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  for (const applet of ['sh', 'ls', 'cat', 'echo']) symlinkSync('busybox', join(dir, 'bin', applet));
  writeFileSync(join(dir, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n');
}

/** Everything the formats must carry: a big file, hardlinks, symlinks, long names, special bits, owners. */
function stageFormats(dir: string): void {
  const data = join(dir, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'big.bin'), noise(6 * 1024 * 1024 + 123, 'corpus-big'));
  writeFileSync(join(data, 'hard-a'), 'one inode, three names\n');
  linkSync(join(data, 'hard-a'), join(data, 'hard-b'));
  linkSync(join(data, 'hard-a'), join(data, 'sub', 'hard-c'));
  symlinkSync('big.bin', join(data, 'link-relative'));
  symlinkSync('/bin/busybox', join(data, 'link-absolute'));
  symlinkSync('../nowhere', join(data, 'link-dangling'));
  mkdirSync(join(data, LONG_DIR));
  writeFileSync(join(data, LONG_DIR, LONG_FILE), 'a path over 100 bytes\n');
  mkdirSync(join(dir, 'usr', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'usr', 'bin', 'suid-tool'), '#!/bin/sh\necho suid\n');
  chmodSync(join(dir, 'usr', 'bin', 'suid-tool'), 0o4755);
  writeFileSync(join(dir, 'usr', 'bin', 'sgid-tool'), '#!/bin/sh\necho sgid\n');
  chmodSync(join(dir, 'usr', 'bin', 'sgid-tool'), 0o2755);
  mkdirSync(join(data, 'sticky'));
  chmodSync(join(data, 'sticky'), 0o1777);
  mkdirSync(join(dir, 'home', 'user'), { recursive: true });
  writeFileSync(join(dir, 'home', 'user', 'notes.txt'), 'owned by 1000:1000\n');
  chownSync(join(dir, 'home', 'user'), 1000, 1000);
  chownSync(join(dir, 'home', 'user', 'notes.txt'), 1000, 1000);
  writeFileSync(join(data, 'owned-42'), 'owned by 42:4242\n');
  chownSync(join(data, 'owned-42'), 42, 4242);
  // Removed again by the whiteout layer.
  mkdirSync(join(dir, 'gone'));
  writeFileSync(join(dir, 'gone', 'file'), 'deleted by a whiteout\n');
  writeFileSync(join(dir, 'gone', 'kept'), 'survives\n');
  mkdirSync(join(dir, 'opaque'));
  writeFileSync(join(dir, 'opaque', 'old-a'), 'hidden by the opaque marker\n');
  writeFileSync(join(dir, 'opaque', 'old-b'), 'hidden by the opaque marker\n');
}

function stageWhiteouts(dir: string): void {
  mkdirSync(join(dir, 'gone'));
  writeFileSync(join(dir, 'gone', '.wh.file'), '');
  mkdirSync(join(dir, 'opaque'));
  writeFileSync(join(dir, 'opaque', '.wh..wh..opq'), '');
  writeFileSync(join(dir, 'opaque', 'new'), 'the only child left\n');
}

export interface SourceLayout {
  /** An OCI image layout directory; tag `multi` is the index of every platform. */
  dir: string;
  indexDigest: string;
  manifests: { label: string; digest: string; config: string; diffIDs: string[] }[];
}

/**
 * The image every tool archives: per platform a base layer with that platform's busybox, then three layers
 * shared by all platforms (formats, an empty layer, whiteouts). Written as an OCI layout by hand, because no
 * peer tool builds a multi-platform index from scratch; the tools then write every archive of the corpus.
 */
export function writeSourceLayout(work: string, busybox: Map<string, string>, platforms: CorpusPlatform[]): SourceLayout {
  const layout = join(work, 'source');
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const layer = (name: string, stage: (dir: string) => void, format: 'gnu' | 'posix') => {
    const dir = join(work, 'stage', name);
    mkdirSync(dir, { recursive: true });
    stage(dir);
    const tar = tarOf(dir, format);
    return { diffID: `sha256:${createHash('sha256').update(tar).digest('hex')}`, blob: writeBlob(layout, gzipSync(tar), 'application/vnd.oci.image.layer.v1.tar+gzip') };
  };
  const shared = [layer('formats', stageFormats, 'posix'), layer('empty', () => undefined, 'gnu'), layer('whiteouts', stageWhiteouts, 'gnu')];
  const manifests: SourceLayout['manifests'] = [];
  const entries: unknown[] = [];
  for (const p of platforms) {
    const base = layer(`base-${p.deb}`, (dir) => stageBase(dir, busybox.get(p.deb)!), 'gnu');
    const layers = [base, ...shared];
    const config = {
      architecture: p.platform.architecture,
      ...(p.platform.variant ? { variant: p.platform.variant } : {}),
      os: p.platform.os,
      created: '1970-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
      history: [
        { created: '1970-01-01T00:00:00Z', created_by: `busybox-static ${p.deb}` },
        { created: '1970-01-01T00:00:00Z', created_by: 'formats' },
        { created: '1970-01-01T00:00:00Z', created_by: 'empty layer' },
        { created: '1970-01-01T00:00:00Z', created_by: 'whiteouts' },
      ],
    };
    const configBlob = writeBlob(layout, Buffer.from(JSON.stringify(config)), 'application/vnd.oci.image.config.v1+json');
    const manifest = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: configBlob,
      layers: layers.map((l) => l.blob),
    };
    const manifestBlob = writeBlob(layout, Buffer.from(JSON.stringify(manifest)), manifest.mediaType);
    manifests.push({ label: p.label, digest: manifestBlob.digest, config: configBlob.digest, diffIDs: layers.map((l) => l.diffID) });
    entries.push({ ...manifestBlob, platform: p.platform });
  }
  const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: entries };
  const indexBlob = writeBlob(layout, Buffer.from(JSON.stringify(index)), index.mediaType);
  const top = { schemaVersion: 2, manifests: [{ ...indexBlob, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }] };
  writeFileSync(join(layout, 'index.json'), JSON.stringify(top));
  return { dir: layout, indexDigest: indexBlob.digest, manifests };
}

/** The raw bytes' digest, as `skopeo inspect --raw` output is hashed to compare with what ferry reports. */
export function digestOf(bytes: string | Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
