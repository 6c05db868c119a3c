import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import type { Descriptor, Platform } from '../../src/oci/descriptor.js';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { MemoryContent } from './memory-content.js';
import { type TarEntry, tarBytes } from './tar.js';

/**
 * Builds multi-platform images in memory, like go-containerregistry's `random` package: real tar layers
 * (a layer shared by every platform, a per-platform layer with a whiteout, a symlink, a hardlink) with real
 * configs, manifests and an index. Everything is deterministic for the same options.
 */
export interface BuildOptions {
  platforms?: Platform[];
  /** Docker schema2 media types instead of OCI. */
  format?: 'oci' | 'docker';
  compression?: 'gzip' | 'none' | 'zstd';
  /** Changes every file's content, to make different images with the same shape. */
  seed?: string;
  /** Adds a BuildKit attestation manifest (unknown/unknown) for every platform. */
  attestations?: boolean;
  /** Extra bytes per platform layer, to make big images. */
  padding?: number;
}

export interface BuiltLayer {
  desc: Descriptor;
  diffID: string;
  entries: TarEntry[];
}

export interface BuiltManifest {
  platform: Platform;
  desc: Descriptor;
  bytes: Buffer;
  config: { desc: Descriptor; bytes: Buffer };
  layers: BuiltLayer[];
}

export interface BuiltImage {
  content: MemoryContent;
  index: { desc: Descriptor; bytes: Buffer };
  manifests: BuiltManifest[];
  attestations: { desc: Descriptor; bytes: Buffer; subject: string }[];
}

export const SEVEN_PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 'arm', variant: 'v6' },
  { os: 'linux', architecture: '386' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
];

export const FOUR_PLATFORMS: Platform[] = SEVEN_PLATFORMS.slice(0, 4);

export function platformLabel(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export async function buildImage(opts: BuildOptions = {}): Promise<BuiltImage> {
  const platforms = opts.platforms ?? FOUR_PLATFORMS;
  const family = opts.format ?? 'oci';
  const compression = opts.compression ?? 'gzip';
  const seed = opts.seed ?? 'ferry';
  const content = new MemoryContent();
  const types = mediaTypes(family, compression);

  const shared = await makeLayer(content, types.layer, compression, sharedLayerEntries(seed));
  const manifests: BuiltManifest[] = [];
  for (const platform of platforms) {
    const own = await makeLayer(content, types.layer, compression, platformLayerEntries(seed, platform, opts.padding ?? 0));
    manifests.push(putManifest(content, types, platform, [shared, own], ['ADD base', `ADD ${platformLabel(platform)}`]));
  }

  const attestations = opts.attestations ? manifests.map((m) => makeAttestation(content, m.desc.digest)) : [];
  const indexBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.index,
      manifests: [...manifests.map((m) => m.desc), ...attestations.map((a) => a.desc)],
    }),
  );
  const index = { desc: content.put(types.index, indexBytes), bytes: indexBytes };
  return { content, index, manifests, attestations };
}

/** A config and a manifest over `layers`, stored in `content`; `history` names each layer's step. */
export function putManifest(content: MemoryContent, types: ImageMediaTypes, platform: Platform, layers: BuiltLayer[], history: string[]): BuiltManifest {
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffID) },
      history: history.map((created_by) => ({ created_by })),
    }),
  );
  const configDesc = content.put(types.config, configBytes);
  const manifestBytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: configDesc,
      layers: layers.map((l) => l.desc),
    }),
  );
  const desc = content.put(types.manifest, manifestBytes, { platform });
  return { platform, desc, bytes: manifestBytes, config: { desc: configDesc, bytes: configBytes }, layers };
}

export type ImageMediaTypes = ReturnType<typeof mediaTypes>;

export function mediaTypes(family: 'oci' | 'docker', compression: 'gzip' | 'none' | 'zstd') {
  if (family === 'docker') {
    return {
      index: MediaType.dockerManifestList,
      manifest: MediaType.dockerManifest,
      config: MediaType.dockerConfig,
      layer: { gzip: MediaType.dockerLayerGzip, none: MediaType.dockerLayer, zstd: MediaType.dockerLayerZstd }[compression],
    };
  }
  return {
    index: MediaType.ociIndex,
    manifest: MediaType.ociManifest,
    config: MediaType.ociConfig,
    layer: { gzip: MediaType.ociLayerGzip, none: MediaType.ociLayer, zstd: MediaType.ociLayerZstd }[compression],
  };
}

export async function makeLayer(content: MemoryContent, mediaType: string, compression: string, entries: TarEntry[]): Promise<BuiltLayer> {
  const tar = await tarBytes(entries);
  const blob = compress(tar, compression);
  return { desc: content.put(mediaType, blob), diffID: digestOf(tar), entries };
}

export function compress(bytes: Buffer, compression: string): Buffer {
  if (compression === 'gzip') return gzipSync(bytes);
  if (compression === 'zstd') return execFileSync('zstd', ['-q', '-c', '-3'], { input: bytes, maxBuffer: 1 << 30 });
  return bytes;
}

function sharedLayerEntries(seed: string): TarEntry[] {
  return [
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', data: `NAME=ferry-sample\nSEED=${seed}\n` },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/sh', data: `#!/bin/true ${seed}\n`, mode: 0o755 },
    { name: 'data/', type: 'directory' },
    { name: 'data/old.txt', data: 'removed by a whiteout in the platform layer\n' },
    { name: 'data/keep.txt', data: 'kept\n' },
  ];
}

function platformLayerEntries(seed: string, platform: Platform, padding: number): TarEntry[] {
  const label = platformLabel(platform);
  const arch = label.replaceAll('/', '-');
  return [
    { name: 'data/', type: 'directory' },
    { name: 'data/.wh.old.txt' },
    { name: 'app/', type: 'directory' },
    { name: `app/${arch}.txt`, data: `built for ${label} (${seed})\n${'x'.repeat(padding)}` },
    { name: 'app/current', type: 'symlink', linkname: `${arch}.txt` },
    { name: 'app/platform', type: 'link', linkname: `app/${arch}.txt` },
  ];
}

function makeAttestation(content: MemoryContent, subject: string) {
  const statement = content.put(MediaType.inToto, JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', subject: [] }), {
    annotations: { 'in-toto.io/predicate-type': 'https://spdx.dev/Document' },
  });
  const config = content.put(MediaType.ociConfig, JSON.stringify({ architecture: 'unknown', os: 'unknown', rootfs: { type: 'layers', diff_ids: [] } }));
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers: [statement] }));
  const desc = content.put(MediaType.ociManifest, bytes, {
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': subject },
  });
  return { desc, bytes, subject };
}
