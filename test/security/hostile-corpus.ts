import { gzipSync } from 'node:zlib';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { hostPlatform } from '../../src/platform/index.js';
import { compress } from '../helpers/image-builder.js';
import { type TarEntry, tarBytes } from '../helpers/tar.js';

/**
 * Hostile archives built in code (never checked in as binaries), for `ferry import`. Every builder returns the
 * bytes of an archive file; the layer builders wrap hostile layer entries in an otherwise valid OCI layout for
 * the host platform, so the attack reaches the unpack step.
 */

export interface Blob {
  desc: Descriptor;
  bytes: Buffer;
}

export function blob(mediaType: string, bytes: Buffer | string): Blob {
  const buf = Buffer.from(bytes);
  return { desc: { mediaType, digest: digestOf(buf), size: buf.length }, bytes: buf };
}

export interface LayerSpec {
  /** The uncompressed layer tar. */
  tar: Buffer;
  /** The layer blob as stored (compressed, truncated…); defaults to the gzipped tar. */
  blob?: Buffer;
  mediaType?: string;
}

/** A host-platform image of the given layers, as an OCI layout: its blobs, its manifest and its index.json. */
export function imageOf(layers: LayerSpec[]): { blobs: Blob[]; manifest: Blob; indexJson: Buffer } {
  const layerBlobs = layers.map((l) => blob(l.mediaType ?? MediaType.ociLayerGzip, l.blob ?? gzipSync(l.tar)));
  const host = hostPlatform();
  const config = blob(
    MediaType.ociConfig,
    JSON.stringify({ architecture: host.architecture, os: host.os, ...(host.variant ? { variant: host.variant } : {}), rootfs: { type: 'layers', diff_ids: layers.map((l) => digestOf(l.tar)) } }),
  );
  const manifest = blob(MediaType.ociManifest, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: config.desc, layers: layerBlobs.map((b) => b.desc) }));
  const indexJson = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ ...manifest.desc, platform: host, annotations: { 'io.containerd.image.name': 'example.com/hostile:1' } }] }),
  );
  return { blobs: [config, manifest, ...layerBlobs], manifest, indexJson };
}

/** An OCI layout tar: oci-layout, index.json, then the blobs under blobs/sha256/. */
export function layoutTar(indexJson: Buffer | string, blobs: Blob[], extra: TarEntry[] = []): Promise<Buffer> {
  return tarBytes([
    { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', data: indexJson },
    ...blobs.map((b) => ({ name: `blobs/sha256/${b.desc.digest.slice(7)}`, data: b.bytes })),
    ...extra,
  ]);
}

/** An archive whose one image has one layer made of `entries`. */
export async function layerArchive(entries: TarEntry[]): Promise<Buffer> {
  const { blobs, indexJson } = imageOf([{ tar: await tarBytes(entries) }]);
  return layoutTar(indexJson, blobs);
}

/** An archive whose one layer holds `bytes` zero bytes in one file, compressed with `compression`. */
export async function bombArchive(bytes: number, compression: 'gzip' | 'zstd'): Promise<Buffer> {
  const tar = await tarBytes([{ name: 'zeros', data: Buffer.alloc(bytes) }]);
  const mediaType = compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayerZstd;
  const { blobs, indexJson } = imageOf([{ tar, blob: compress(tar, compression), mediaType }]);
  return layoutTar(indexJson, blobs);
}

/** An archive whose layer blob is a compressed stream cut short (its descriptor matches the cut bytes). */
export async function truncatedLayerArchive(compression: 'gzip' | 'zstd'): Promise<Buffer> {
  const tar = await tarBytes([{ name: 'file', data: Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)) }]);
  const whole = compress(tar, compression);
  const mediaType = compression === 'gzip' ? MediaType.ociLayerGzip : MediaType.ociLayerZstd;
  const { blobs, indexJson } = imageOf([{ tar, blob: whole.subarray(0, Math.floor(whole.length / 2)), mediaType }]);
  return layoutTar(indexJson, blobs);
}

/** An OCI layout whose index.json or manifest names a blob by a hostile "digest". */
export async function hostileDigestArchive(where: 'index' | 'manifest', digest: string): Promise<Buffer> {
  const { blobs, manifest, indexJson } = imageOf([{ tar: await tarBytes([{ name: 'a', data: 'a' }]) }]);
  if (where === 'index') {
    const index = JSON.parse(indexJson.toString());
    index.manifests[0].digest = digest;
    return layoutTar(JSON.stringify(index), blobs);
  }
  const doc = JSON.parse(manifest.bytes.toString());
  doc.layers[0].digest = digest;
  const evil = blob(MediaType.ociManifest, JSON.stringify(doc));
  const index = JSON.parse(indexJson.toString());
  index.manifests[0] = { ...index.manifests[0], digest: evil.desc.digest, size: evil.desc.size };
  return layoutTar(JSON.stringify(index), [...blobs.filter((b) => b !== manifest), evil]);
}

/** An OCI layout whose index.json claims its manifest is `size` bytes. */
export async function hugeClaimArchive(size: number): Promise<Buffer> {
  const { blobs, indexJson } = imageOf([{ tar: await tarBytes([{ name: 'a', data: 'a' }]) }]);
  const index = JSON.parse(indexJson.toString());
  index.manifests[0].size = size;
  return layoutTar(JSON.stringify(index), blobs);
}

/**
 * A valid one-layer archive, for truncation and compression cases. The layer (last in the tar) is incompressible
 * and most of the archive, so cutting the archive in half cuts the layer.
 */
export async function validArchive(seed = 'ferry'): Promise<Buffer> {
  return layerArchive(validLayerEntries(seed));
}

/** The entries of validArchive's one layer. */
export function validLayerEntries(seed = 'ferry'): TarEntry[] {
  return [{ name: 'etc/', type: 'directory' }, { name: 'etc/hostname', data: seed }, { name: 'etc/noise', data: noise(64 * 1024) }];
}

/** Deterministic bytes that gzip cannot shrink. */
function noise(length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = 2463534242;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
