import type { Platform } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { type BuiltImage, type BuiltLayer, makeLayer, mediaTypes, putManifest } from './image-builder.js';
import { MemoryContent } from './memory-content.js';
import type { TarEntry } from './tar.js';

/**
 * Images shaped like real ones, for tests where streams, decoders and unpack are concerned (ggcr's
 * `random.Image(byteSize, layers)` idea): a base layer with one big file of mixed compressible and random bytes
 * (several MB, so every decoder sees many chunks and several output buffers per input chunk), hundreds of small
 * files in nested directories, symlinks and hardlinks; an upper layer that whites out a file and a directory's
 * contents and adds its own files. The same options give the same bytes; only `compression` changes the blobs,
 * so the gzip, zstd and uncompressed variants of one image must unpack to identical trees.
 */
export interface RealisticImageOptions {
  compression?: 'gzip' | 'zstd' | 'none';
  /** Size of the big file in the base layer (default 6 MiB). */
  bigFileBytes?: number;
  /** How many small files the base layer holds (default 400). */
  smallFiles?: number;
  platform?: Platform;
  /** Changes every file's content, to make different images with the same shape. */
  seed?: number;
}

export const REALISTIC_BIG_FILE = 'usr/lib/libbig.so';

export async function buildRealisticImage(opts: RealisticImageOptions = {}): Promise<BuiltImage> {
  const compression = opts.compression ?? 'gzip';
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const seed = opts.seed ?? 1;
  const content = new MemoryContent();
  const types = mediaTypes('oci', compression);
  const layers: BuiltLayer[] = [];
  for (const entries of [baseLayerEntries(seed, opts.bigFileBytes ?? 6 * 1024 * 1024, opts.smallFiles ?? 400), upperLayerEntries(seed)]) {
    layers.push(await makeLayer(content, types.layer, compression, entries));
  }
  const manifest = putManifest(content, types, platform, layers, ['ADD base', 'RUN upgrade']);
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [manifest.desc] }));
  return { content, index: { desc: content.put(MediaType.ociIndex, indexBytes), bytes: indexBytes }, manifests: [manifest], attestations: [] };
}

/** Bytes that alternate 64 KiB runs of text-like (compressible) and random data, from a fixed seed. */
export function mixedBytes(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let state = (seed * 2654435761) >>> 0 || 1;
  const RUN = 64 * 1024;
  const text = Buffer.from(`ferry realistic payload ${seed} lorem ipsum dolor sit amet\n`);
  for (let at = 0; at < size; at += RUN) {
    const end = Math.min(size, at + RUN);
    if ((at / RUN) % 2 === 0) {
      for (let i = at; i < end; i++) out[i] = text[(i - at) % text.length]!;
    } else {
      for (let i = at; i < end; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[i] = state & 0xff;
      }
    }
  }
  return out;
}

function baseLayerEntries(seed: number, bigFileBytes: number, smallFiles: number): TarEntry[] {
  const entries: TarEntry[] = [
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', data: mixedBytes(300 * 1024, seed + 7), mode: 0o755 },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'bin/ls', type: 'link', linkname: 'bin/busybox' },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: `NAME=ferry-realistic\nSEED=${seed}\n` },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n' },
    { name: 'usr/', type: 'directory' },
    { name: 'usr/lib/', type: 'directory' },
    { name: REALISTIC_BIG_FILE, data: mixedBytes(bigFileBytes, seed), mode: 0o755 },
    { name: 'usr/lib/libbig.so.1', type: 'symlink', linkname: 'libbig.so' },
    { name: 'usr/share/', type: 'directory' },
    { name: 'var/', type: 'directory' },
    { name: 'var/cache/', type: 'directory' },
    { name: 'var/cache/stale.db', data: 'removed by the upper layer\n' },
    { name: 'var/cache/old/', type: 'directory' },
    { name: 'var/cache/old/entry', data: 'hidden by an opaque whiteout\n' },
  ];
  for (let i = 0; i < smallFiles; i++) {
    const dir = `usr/share/pkg${String(i % 20).padStart(2, '0')}/`;
    if (i < 20) entries.push({ name: dir, type: 'directory' });
    entries.push({ name: `${dir}file${i}.txt`, data: `small file ${i} of seed ${seed}\n${'='.repeat(i % 300)}\n`, mode: i % 3 === 0 ? 0o600 : 0o644 });
    if (i % 50 === 0) entries.push({ name: `${dir}link${i}`, type: 'symlink', linkname: `file${i}.txt` });
    if (i % 70 === 0) entries.push({ name: `${dir}hard${i}`, type: 'link', linkname: `${dir}file${i}.txt` });
  }
  return entries;
}

function upperLayerEntries(seed: number): TarEntry[] {
  return [
    { name: 'var/', type: 'directory' },
    { name: 'var/cache/', type: 'directory' },
    { name: 'var/cache/.wh.stale.db' },
    { name: 'var/cache/old/', type: 'directory' },
    { name: 'var/cache/old/.wh..wh..opq' },
    { name: 'var/cache/old/fresh', data: `written above the opaque whiteout (${seed})\n` },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: `NAME=ferry-realistic\nSEED=${seed}\nUPGRADED=1\n` },
    { name: 'app/', type: 'directory' },
    { name: 'app/data.bin', data: mixedBytes(1024 * 1024, seed + 1) },
    { name: 'app/current', type: 'symlink', linkname: '../usr/lib/libbig.so' },
  ];
}
