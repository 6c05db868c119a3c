/**
 * Builds the benchmark archives from a seeded generator, once: `cache/bench-1x.tar` (≥ 1 GB, 4 platforms × 8 gzip
 * layers) and `cache/bench-4x.tar` (the same images with every layer present four times, as four distinct blobs).
 *
 * Files are a mix of text-like content (words drawn from a skewed distribution: gzip shrinks it ~2×) and
 * incompressible binary (AES-CTR keystream of a fixed key), gzipped at the default level. Every layer is two gzip
 * members: a body (its files, without the end-of-archive blocks) and a tail (one small file naming the platform
 * and copy, then the end of the tar). Only the 8 bodies are gzipped (on a loaded 2-core machine gzip runs at
 * ~10 MB/s); each platform, and each of the four copies in the 4× archive, gets its own tail, so every layer is a
 * distinct blob (own digest and diffID) at no extra gzip cost. Every reader (Go, zlib, GNU gzip) reads
 * multi-member gzip as one stream.
 *
 * The archives are OCI image layouts that also carry a docker-save manifest.json (linux/amd64), in ferry export's
 * entry order: metadata first, then layers sorted by digest.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { contentPadding, END_OF_ARCHIVE, encodeHeader } from '../dist/archive/write/tar-header.js';
import { formatPlatform, mulberry32, textPool } from './synthetic.mjs';

/** Bump when the generated content changes, so stale caches are rebuilt. */
const GENERATOR_VERSION = 1;
export const IMAGE_NAME = 'docker.io/library/ferry-bench:1';
export const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 's390x' },
];
const LAYERS_PER_PLATFORM = 8;
/** Average uncompressed bytes per layer: text (~2× smaller gzipped) and binary (incompressible). */
const TEXT_PER_LAYER = 40 << 20;
const BINARY_PER_LAYER = 14 << 20;
const COPIES_IN_4X = 4;
/** Layers gzipped at once: zlib runs on libuv's thread pool, so this uses every core. */
const GZIP_PARALLEL = 4;

const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

/** Returns the paths of both archives and what is inside them, generating them when the cache is stale. */
export async function ensureArchives(cacheDir, log) {
  const stampPath = join(cacheDir, 'archives.json');
  const stamp = existsSync(stampPath) ? JSON.parse(await readFile(stampPath, 'utf8')) : undefined;
  if (stamp?.version === GENERATOR_VERSION && existsSync(stamp.archive1x) && existsSync(stamp.archive4x)) {
    log(`archives cached in ${cacheDir}`);
    return stamp;
  }
  await mkdir(cacheDir, { recursive: true });
  const started = performance.now();
  const work = join(cacheDir, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });

  const text = textPool(8 << 20, 1);
  const rand = mulberry32(42);
  const jobs = [];
  for (let l = 0; l < LAYERS_PER_PLATFORM; l++) {
    const scale = 0.5 + rand();
    jobs.push({ l, seed: l + 1, text: Math.round(TEXT_PER_LAYER * scale), binary: Math.round(BINARY_PER_LAYER * scale) });
  }
  const bodies = await mapLimit(jobs, GZIP_PARALLEL, (job) => writeBody(join(work, `body-${job.l}.gz`), job, text));
  log(`gzipped ${jobs.length} layers in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const archive1x = join(cacheDir, 'bench-1x.tar');
  const archive4x = join(cacheDir, 'bench-4x.tar');
  const one = await writeArchive(archive1x, bodies, 1);
  const four = await writeArchive(archive4x, bodies, COPIES_IN_4X);
  await rm(work, { recursive: true, force: true });
  const result = {
    version: GENERATOR_VERSION,
    image: IMAGE_NAME,
    platforms: PLATFORMS.map(formatPlatform),
    archive1x,
    archive4x,
    bytes1x: (await stat(archive1x)).size,
    bytes4x: (await stat(archive4x)).size,
    layers1x: one.layers,
    layers4x: four.layers,
    /** linux/amd64 layer digests of the 1× archive, in order: what `tar -xzf` unpacks. */
    amd64Layers: one.amd64Layers,
    amd64Manifest: one.amd64Manifest,
    uncompressedAmd64: bodies.reduce((n, b) => n + b.rawSize + tailMember(b, 0, 0).raw.length, 0),
    generateSeconds: (performance.now() - started) / 1000,
  };
  await writeFile(stampPath, JSON.stringify(result, null, 2));
  log(`generated ${mb(result.bytes1x)} + ${mb(result.bytes4x)} in ${result.generateSeconds.toFixed(1)} s`);
  return result;
}

/**
 * Writes one layer body (its tar entries, without end-of-archive) gzipped to `path`. Keeps the running sha256 of
 * the uncompressed and compressed bytes so each layer's digests can be finished with any tail (Hash.copy()).
 */
async function writeBody(path, job, text) {
  const raw = createHash('sha256');
  const packed = createHash('sha256');
  let rawSize = 0;
  let size = 0;
  const tap = (hash, count) =>
    new Transform({
      transform(chunk, _e, done) {
        hash.update(chunk);
        count(chunk.length);
        done(null, chunk);
      },
    });
  await pipeline(
    Readable.from(layerEntries(job, text), { objectMode: false }),
    tap(raw, (n) => (rawSize += n)),
    zlib.createGzip({ chunkSize: 256 * 1024 }),
    tap(packed, (n) => (size += n)),
    createWriteStream(path, { highWaterMark: 1 << 20 }),
  );
  return { job, path, raw, packed, rawSize, size };
}

/** The tar entries of one layer: a few directories, then files alternating text and binary until both budgets are spent. */
function* layerEntries(job, text) {
  const rand = mulberry32(job.seed);
  const keystream = createCipheriv('aes-128-ctr', createHash('md5').update(`bench-${job.seed}`).digest(), Buffer.alloc(16));
  const base = `opt/bench/layer${job.l}`;
  const dirs = Array.from({ length: 6 }, (_, i) => `${base}/d${i}`);
  for (const dir of ['opt/', 'opt/bench/', `${base}/`, ...dirs.map((d) => `${d}/`)]) {
    yield encodeHeader({ name: dir, type: 'directory', size: 0, mtime: 1700000000 });
  }
  let textLeft = job.text;
  let binaryLeft = job.binary;
  for (let n = 0; textLeft > 0 || binaryLeft > 0; n++) {
    const isText = binaryLeft <= 0 || (textLeft > 0 && rand() < 0.7);
    // Log-uniform sizes, 512 B … 4 MiB: many small files and a few large ones, as in real images.
    const size = Math.min(isText ? textLeft : binaryLeft, Math.round(512 * 2 ** (rand() * 13)));
    const name = `${dirs[n % dirs.length]}/f${n}.${isText ? 'txt' : 'bin'}`;
    yield encodeHeader({ name, type: 'file', size, mtime: 1700000000 });
    if (isText) {
      textLeft -= size;
      for (let done = 0; done < size; ) {
        const off = Math.floor(rand() * (text.length - (1 << 20)));
        const len = Math.min(size - done, 1 << 20);
        yield text.subarray(off, off + len);
        done += len;
      }
    } else {
      binaryLeft -= size;
      for (let done = 0; done < size; done += 1 << 20) yield keystream.update(Buffer.alloc(Math.min(size - done, 1 << 20)));
    }
    yield contentPadding(size);
  }
}

/** Writes an archive whose images use each body `copies` times, each time with a different tail. */
async function writeArchive(path, bodies, copies) {
  const blobs = []; // { digest, bytes? , parts? }
  const manifests = [];
  let amd64Layers;
  let amd64Manifest;
  let dockerEntry;
  const layerDigests = [];
  for (const [p, platform] of PLATFORMS.entries()) {
    const layers = [];
    const diffIds = [];
    for (let c = 0; c < copies; c++) {
      for (const body of bodies) {
        const tail = tailMember(body, p, c);
        const diffId = body.raw.copy().update(tail.raw).digest('hex');
        const digest = body.packed.copy().update(tail.packed).digest('hex');
        layers.push({ mediaType: MT.layer, digest: `sha256:${digest}`, size: body.size + tail.packed.length });
        diffIds.push(`sha256:${diffId}`);
        blobs.push({ digest, size: body.size + tail.packed.length, parts: [body.path, tail.packed], layer: true });
      }
    }
    const config = json({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history: diffIds.map(() => ({ created: '2023-11-14T22:13:20Z', created_by: 'ferry bench generator' })),
    });
    const configDesc = { mediaType: MT.config, digest: sha(config), size: config.length };
    const manifest = json({ schemaVersion: 2, mediaType: MT.manifest, config: configDesc, layers });
    blobs.push({ digest: hex(config), size: config.length, bytes: config }, { digest: hex(manifest), size: manifest.length, bytes: manifest });
    const manifestDesc = { mediaType: MT.manifest, digest: sha(manifest), size: manifest.length, platform };
    manifests.push(manifestDesc);
    layerDigests.push(...layers.map((l) => l.digest));
    if (p === 0) {
      amd64Layers = layers.map((l) => l.digest);
      amd64Manifest = manifestDesc;
      dockerEntry = { Config: `blobs/sha256/${hex(config)}`, RepoTags: ['ferry-bench:1'], Layers: layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) };
    }
  }
  const imageIndex = json({ schemaVersion: 2, mediaType: MT.index, manifests });
  blobs.push({ digest: hex(imageIndex), size: imageIndex.length, bytes: imageIndex });
  const annotations = { 'io.containerd.image.name': IMAGE_NAME, 'org.opencontainers.image.ref.name': '1' };
  const layoutIndex = json({ schemaVersion: 2, mediaType: MT.index, manifests: [{ mediaType: MT.index, digest: sha(imageIndex), size: imageIndex.length, annotations }] });

  const byName = (a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);
  const ordered = [...blobs.filter((b) => !b.layer).sort(byName), ...blobs.filter((b) => b.layer).sort(byName)];
  const temp = `${path}.tmp`;
  await pipeline(Readable.from(archiveEntries(ordered, layoutIndex, json([dockerEntry])), { objectMode: false }), createWriteStream(temp, { highWaterMark: 1 << 20 }));
  await rename(temp, path);
  return { layers: layerDigests.length, amd64Layers, amd64Manifest };
}

async function* archiveEntries(blobs, layoutIndex, dockerManifest) {
  const file = (name, bytes) => [encodeHeader({ name, type: 'file', size: bytes.length, mtime: 0 }), bytes, contentPadding(bytes.length)];
  yield* file('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
  yield* file('index.json', layoutIndex);
  yield* file('manifest.json', dockerManifest);
  yield encodeHeader({ name: 'blobs/', type: 'directory', size: 0, mtime: 0 });
  yield encodeHeader({ name: 'blobs/sha256/', type: 'directory', size: 0, mtime: 0 });
  for (const blob of blobs) {
    yield encodeHeader({ name: `blobs/sha256/${blob.digest}`, type: 'file', size: blob.size, mtime: 0 });
    if (blob.bytes) yield blob.bytes;
    else {
      for await (const chunk of createReadStream(blob.parts[0], { highWaterMark: 1 << 20 })) yield chunk;
      yield blob.parts[1];
    }
    yield contentPadding(blob.size);
  }
  yield END_OF_ARCHIVE;
}

/** The last gzip member of a layer: one small file saying which platform and copy it is, then the end of the tar. */
function tailMember(body, platform, copy) {
  const content = Buffer.from(`copy ${copy} of layer ${body.job.l} for ${formatPlatform(PLATFORMS[platform])}\n`);
  const name = `opt/bench/layer${body.job.l}/platform-${platform}-copy-${copy}.txt`;
  const raw = Buffer.concat([encodeHeader({ name, type: 'file', size: content.length, mtime: 1700000000 }), content, contentPadding(content.length), END_OF_ARCHIVE]);
  return { raw, packed: zlib.gzipSync(raw) };
}

async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

const json = (value) => Buffer.from(JSON.stringify(value));
const hex = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sha = (bytes) => `sha256:${hex(bytes)}`;
const mb = (n) => `${(n / 1e6).toFixed(0)} MB`;
