/**
 * The realistic benchmark image, built once from a seeded generator into bench/cache/realistic/: the shape of a
 * Debian `/usr/share` plus a Python standard library, which is what users unpack — tens of thousands of small
 * files, a few large ones, symlinks and hardlinks, and a second layer that whites out, hides (opaque) and replaces
 * part of the first.
 *
 *   realistic-1x.tar   4 platforms × 2 gzip layers (linux/amd64 holds the image above; every platform's layers are
 *                      distinct blobs, made as in generate.mjs: one gzipped body per layer and a per-platform tail)
 *   realistic-4x.tar   the same with every platform's layers present four times (8 layers each)
 *   realistic-zstd.tar linux/amd64 only, the same two layers as zstd (for `zstd -dc | tar -x`)
 *   layer-N.tar[.gz|.zst] the plain layers of linux/amd64, for the peers
 */
import { execFileSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { formatPlatform, mulberry32, textPool } from './synthetic.mjs';

const GENERATOR_VERSION = 1;
export const REALISTIC_IMAGE = 'docker.io/library/ferry-realistic:1';
const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 's390x' },
];
const MTIME = 1700000000;
const MT = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};
const BLOCK = 512;

/** Returns the paths and facts of the realistic archives, generating them when the cache is stale. */
export async function ensureRealistic(cacheDir, log) {
  const dir = join(cacheDir, 'realistic');
  const stampPath = join(dir, 'image.json');
  const stamp = existsSync(stampPath) ? JSON.parse(await readFile(stampPath, 'utf8')) : undefined;
  if (stamp?.version === GENERATOR_VERSION && [stamp.archive1x, stamp.archive4x, stamp.archiveZstd].every((p) => existsSync(p))) {
    log(`realistic image cached in ${dir}`);
    return stamp;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const started = performance.now();
  const text = textPool(8 << 20, 7);
  const layers = [];
  const facts = [];
  for (const [l, entries] of [baseLayer(text), pythonLayer(text)].entries()) {
    const counts = { files: 0, directories: 0, symlinks: 0, hardlinks: 0, whiteouts: 0 };
    const body = join(dir, `body-${l}.tar`);
    const raw = await writeTar(body, entries, counts);
    const gz = join(dir, `body-${l}.tar.gz`);
    await pipeline(createReadStream(body, { highWaterMark: 1 << 20 }), zlib.createGzip({ chunkSize: 256 << 10 }), createWriteStream(gz));
    layers.push({ l, body, gz, raw });
    facts.push({ ...counts, bytes: raw });
    log(`realistic layer ${l + 1}: ${counts.files} files, ${counts.directories} dirs, ${counts.symlinks} symlinks, ${counts.hardlinks} hardlinks, ${counts.whiteouts} whiteouts, ${mb(raw)} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  }
  const bodies = await Promise.all(layers.map((layer) => hashBody(layer)));
  const one = await writeArchive(join(dir, 'realistic-1x.tar'), bodies, 1);
  const four = await writeArchive(join(dir, 'realistic-4x.tar'), bodies, 4);
  // Plain amd64 layers (body + its amd64 tail) for the peers, as tar, tar.gz and tar.zst.
  const plain = [];
  for (const body of bodies) {
    const tail = tailMember(body, 0, 0);
    const tarPath = join(dir, `layer-${body.l}.tar`);
    await pipeline(Readable.from(concatFiles([body.body], tail.raw)), createWriteStream(tarPath));
    const gzPath = join(dir, `layer-${body.l}.tar.gz`);
    await pipeline(Readable.from(concatFiles([body.gz], tail.packed)), createWriteStream(gzPath));
    const zstPath = join(dir, `layer-${body.l}.tar.zst`);
    execFileSync('zstd', ['-q', '-f', '-3', '-T2', tarPath, '-o', zstPath]);
    plain.push({ tar: tarPath, gz: gzPath, zst: zstPath });
    await rm(body.body);
  }
  const zstd = await writeZstdArchive(join(dir, 'realistic-zstd.tar'), plain, bodies);
  for (const body of bodies) await rm(body.gz);
  const result = {
    version: GENERATOR_VERSION,
    image: REALISTIC_IMAGE,
    platforms: PLATFORMS.map(formatPlatform),
    archive1x: one.path,
    archive4x: four.path,
    archiveZstd: zstd.path,
    bytes1x: (await stat(one.path)).size,
    bytes4x: (await stat(four.path)).size,
    bytesZstd: (await stat(zstd.path)).size,
    amd64Manifest: one.amd64Manifest,
    zstdManifest: zstd.manifest,
    layers: facts,
    entries: facts.reduce((n, f) => n + f.files + f.directories + f.symlinks + f.hardlinks + f.whiteouts, 0),
    uncompressedAmd64: facts.reduce((n, f) => n + f.bytes, 0),
    plainLayers: plain,
    generateSeconds: (performance.now() - started) / 1000,
  };
  await writeFile(stampPath, JSON.stringify(result, null, 2));
  log(`realistic archives: ${mb(result.bytes1x)}, ${mb(result.bytes4x)} (4×), ${mb(result.bytesZstd)} (zstd) in ${result.generateSeconds.toFixed(0)} s`);
  return result;
}

/**
 * Layer 1, shaped like /usr/share: ~3,600 package directories under doc/, man/, locale/ and data dirs; files of
 * 64 B–32 KiB (log-uniform), 1% of 32 KiB–1 MiB, four of 8–24 MiB; one file in four incompressible (as .gz docs
 * and icons are); symlinks to siblings and to other packages' dirs; hardlinks to earlier files.
 */
function* baseLayer(text) {
  const rand = mulberry32(11);
  const bytes = binarySource(11);
  yield dir('usr/');
  yield dir('usr/share/');
  const areas = ['doc', 'man/man1', 'man/man3', 'man/man5', 'man/man8', 'locale', 'icons/hicolor', 'perl5', 'zoneinfo', 'i18n', 'mime', 'fonts', 'X11', 'vim', 'info'];
  const made = new Set();
  for (const area of areas) {
    const parts = area.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const name = `usr/share/${parts.slice(0, i).join('/')}/`;
      if (!made.has(name)) yield dir(name);
      made.add(name);
    }
  }
  const files = [];
  const dirs = [];
  for (let p = 0; p < 3600; p++) {
    const area = areas[Math.floor(rand() ** 1.5 * areas.length)];
    const pkg = `usr/share/${area}/pkg-${p}`;
    yield dir(`${pkg}/`);
    dirs.push(pkg);
    // Some packages nest a level or two (locale/<lang>/LC_MESSAGES, icons/<size>/apps).
    const sub = rand() < 0.3 ? `${pkg}/sub-${p % 17}/more` : undefined;
    if (sub) {
      yield dir(`${pkg}/sub-${p % 17}/`);
      yield dir(`${sub}/`);
      dirs.push(sub);
    }
    const count = 1 + Math.floor(rand() ** 2 * 30);
    for (let f = 0; f < count; f++) {
      const where = sub && rand() < 0.5 ? sub : pkg;
      const big = rand() < 0.01;
      const size = big ? Math.round(32768 * 2 ** (rand() * 5)) : Math.round(64 * 2 ** (rand() * 9));
      const name = `${where}/file-${f}${rand() < 0.25 ? '.gz' : '.txt'}`;
      yield* file(name, size, name.endsWith('.gz') ? bytes : textSlicer(text, rand), 0o644);
      files.push(name);
    }
    if (rand() < 0.5 && files.length > 1) yield link(`${pkg}/see-also`, 'symlink', `../pkg-${Math.floor(rand() * p)}`);
    if (rand() < 0.3 && files.length > 1) {
      const target = files[files.length - 1];
      yield link(`${pkg}/alias`, 'symlink', target.slice(target.lastIndexOf('/') + 1));
    }
    if (rand() < 0.2 && files.length > 10) yield link(`${pkg}/twin`, 'link', files[Math.floor(rand() * (files.length - 1))]);
  }
  for (let i = 0; i < 4; i++) yield* file(`usr/share/fonts/large-${i}.bin`, (8 + 4 * i) << 20, i % 2 ? bytes : textSlicer(text, rand), 0o644);
}

/**
 * Layer 2, shaped like a Python standard library: ~1,400 package directories with .py (text, 256 B–40 KiB) and
 * __pycache__/*.pyc (half-compressible) files; and changes to layer 1: 400 whiteouts, 3 opaque directories, 300
 * replaced files.
 */
function* pythonLayer(text) {
  const rand = mulberry32(23);
  const bytes = binarySource(23);
  const lib = 'usr/lib/python3.11';
  for (const d of ['usr/', 'usr/lib/', `${lib}/`]) yield dir(d);
  for (let p = 0; p < 1400; p++) {
    const pkg = p < 30 ? `${lib}/mod${p}` : `${lib}/mod${p % 30}/sub${p}`;
    yield dir(`${pkg}/`);
    yield dir(`${pkg}/__pycache__/`);
    const count = 1 + Math.floor(rand() ** 2 * 20);
    for (let f = 0; f < count; f++) {
      const size = Math.round(256 * 2 ** (rand() * 7.3));
      yield* file(`${pkg}/m${f}.py`, size, textSlicer(text, rand), 0o644);
      yield* file(`${pkg}/__pycache__/m${f}.cpython-311.pyc`, Math.round(size * 0.6), rand() < 0.5 ? bytes : textSlicer(text, rand), 0o644);
    }
  }
  yield dir('usr/share/');
  for (const area of ['doc', 'man/man1', 'locale']) yield dir(`usr/share/${area}/`);
  const base = mulberry32(11);
  for (let i = 0; i < 400; i++) yield whiteout(`usr/share/doc/pkg-${Math.floor(base() * 3600)}/.wh.file-0.txt`);
  for (const p of [5, 77, 1234]) yield whiteout(`usr/share/man/man1/pkg-${p}/.wh..wh..opq`);
  for (let i = 0; i < 300; i++) yield* file(`usr/share/locale/pkg-${i}/file-0.txt`, 2048, textSlicer(text, rand), 0o644);
}

function dir(name) {
  return { header: { name, type: 'directory', mode: 0o755 } };
}

function link(name, type, linkname) {
  return { header: { name, type, linkname, mode: 0o777 } };
}

function whiteout(name) {
  return { header: { name, type: 'file', mode: 0o644 }, whiteout: true };
}

function* file(name, size, content, mode) {
  yield { header: { name, type: 'file', size, mode }, content: content(size) };
}

const textSlicer = (text, rand) => (size) => {
  const parts = [];
  for (let left = size; left > 0; ) {
    const len = Math.min(left, text.length >> 1);
    const off = Math.floor(rand() * (text.length - len));
    parts.push(text.subarray(off, off + len));
    left -= len;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
};

function binarySource(seed) {
  const keystream = createCipheriv('aes-128-ctr', createHash('md5').update(`realistic-${seed}`).digest(), Buffer.alloc(16));
  return (size) => keystream.update(Buffer.alloc(size));
}

/** Writes a tar body (no end-of-archive blocks: a tail adds them) and counts what it holds; returns its size. */
async function writeTar(path, entries, counts) {
  let size = 0;
  async function* blocks() {
    for (const entry of entries) {
      const { header } = entry;
      if (entry.whiteout) counts.whiteouts++;
      else if (header.type === 'directory') counts.directories++;
      else if (header.type === 'symlink') counts.symlinks++;
      else if (header.type === 'link') counts.hardlinks++;
      else counts.files++;
      const content = entry.content ?? Buffer.alloc(0);
      const parts = [ustar({ ...header, size: content.length }), content, padding(content.length)];
      for (const part of parts) size += part.length;
      yield Buffer.concat(parts);
    }
  }
  await pipeline(Readable.from(blocks()), createWriteStream(path, { highWaterMark: 1 << 20 }));
  return size;
}

/** A ustar header block: names up to 100 bytes, or split into a 155-byte prefix. */
function ustar({ name, type, linkname = '', mode, size }) {
  const buf = Buffer.alloc(BLOCK);
  let prefix = '';
  let rest = name;
  if (Buffer.byteLength(rest) > 100) {
    const cut = rest.lastIndexOf('/', rest.length - 2 > 155 ? 155 : rest.length - 2);
    prefix = rest.slice(0, cut);
    rest = rest.slice(cut + 1);
  }
  if (Buffer.byteLength(rest) > 100 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(linkname) > 100) throw new Error(`name too long for the bench's ustar: ${name}`);
  const octal = (value, width) => value.toString(8).padStart(width - 1, '0') + '\0';
  buf.write(rest, 0);
  buf.write(octal(mode, 8), 100);
  buf.write(octal(0, 8), 108);
  buf.write(octal(0, 8), 116);
  buf.write(octal(size, 12), 124);
  buf.write(octal(MTIME, 12), 136);
  buf.write({ file: '0', link: '1', symlink: '2', directory: '5' }[type], 156);
  buf.write(linkname, 157);
  buf.write('ustar\u000000', 257);
  buf.write(prefix, 345);
  buf.write('        ', 148);
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(octal(sum, 7) + ' ', 148);
  return buf;
}

const padding = (size) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

/** The running sha256 of a body's tar and gzip bytes, finished per tail with Hash.copy(). */
async function hashBody(layer) {
  const hash = async (path) => {
    const h = createHash('sha256');
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk);
    return h;
  };
  return { ...layer, rawHash: await hash(layer.body), packedHash: await hash(layer.gz), size: (await stat(layer.gz)).size };
}

/** The last gzip member of a layer: one small file naming the platform and copy, then the end of the tar. */
function tailMember(body, platform, copy) {
  const content = Buffer.from(`copy ${copy} of layer ${body.l} for ${formatPlatform(PLATFORMS[platform])}\n`);
  const header = ustar({ name: `etc/ferry-bench/layer${body.l}-platform-${platform}-copy-${copy}`, type: 'file', mode: 0o644, size: content.length });
  const raw = Buffer.concat([header, content, padding(content.length), Buffer.alloc(2 * BLOCK)]);
  return { raw, packed: zlib.gzipSync(raw) };
}

async function* concatFiles(paths, last) {
  for (const path of paths) for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield chunk;
  if (last) yield last;
}

async function writeArchive(path, bodies, copies) {
  const blobs = [];
  const manifests = [];
  let amd64Manifest;
  for (const [p, platform] of PLATFORMS.entries()) {
    const layers = [];
    const diffIDs = [];
    for (let c = 0; c < copies; c++) {
      for (const body of bodies) {
        const tail = tailMember(body, p, c);
        const digest = body.packedHash.copy().update(tail.packed).digest('hex');
        layers.push({ mediaType: MT.gzip, digest: `sha256:${digest}`, size: body.size + tail.packed.length });
        diffIDs.push(`sha256:${body.rawHash.copy().update(tail.raw).digest('hex')}`);
        blobs.push({ digest, size: body.size + tail.packed.length, files: [body.gz], last: tail.packed, layer: true });
      }
    }
    const manifestDesc = imageBlobs(blobs, platform, layers, diffIDs);
    manifests.push(manifestDesc);
    if (p === 0) amd64Manifest = manifestDesc;
  }
  await writeLayout(path, blobs, manifests);
  return { path, amd64Manifest };
}

async function writeZstdArchive(path, plain, bodies) {
  const blobs = [];
  const layers = [];
  const diffIDs = [];
  for (const [i, layer] of plain.entries()) {
    const digest = await fileDigest(layer.zst);
    const size = (await stat(layer.zst)).size;
    layers.push({ mediaType: MT.zstd, digest: `sha256:${digest}`, size });
    diffIDs.push(`sha256:${bodies[i].rawHash.copy().update(tailMember(bodies[i], 0, 0).raw).digest('hex')}`);
    blobs.push({ digest, size, files: [layer.zst], layer: true });
  }
  const manifest = imageBlobs(blobs, PLATFORMS[0], layers, diffIDs);
  await writeLayout(path, blobs, [manifest]);
  return { path, manifest };
}

/** Adds an image's config and manifest to `blobs`; returns the manifest's descriptor. */
function imageBlobs(blobs, platform, layers, diffIDs) {
  const config = json({
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: diffIDs },
    history: diffIDs.map(() => ({ created: '2023-11-14T22:13:20Z', created_by: 'ferry realistic bench generator' })),
  });
  const manifest = json({ schemaVersion: 2, mediaType: MT.manifest, config: { mediaType: MT.config, digest: sha(config), size: config.length }, layers });
  blobs.push({ digest: hex(config), size: config.length, bytes: config }, { digest: hex(manifest), size: manifest.length, bytes: manifest });
  return { mediaType: MT.manifest, digest: sha(manifest), size: manifest.length, platform };
}

/** An OCI layout tar (as skopeo writes one: one index naming the image), documents first, then layers. */
async function writeLayout(path, blobs, manifests) {
  const imageIndex = json({ schemaVersion: 2, mediaType: MT.index, manifests });
  blobs.push({ digest: hex(imageIndex), size: imageIndex.length, bytes: imageIndex });
  const annotations = { 'io.containerd.image.name': REALISTIC_IMAGE, 'org.opencontainers.image.ref.name': '1' };
  const index = json({ schemaVersion: 2, mediaType: MT.index, manifests: [{ mediaType: MT.index, digest: sha(imageIndex), size: imageIndex.length, annotations }] });
  const ordered = [...blobs.filter((b) => !b.layer), ...blobs.filter((b) => b.layer)];
  async function* entries() {
    const entry = (name, bytes) => [ustar({ name, type: 'file', mode: 0o644, size: bytes.length }), bytes, padding(bytes.length)];
    yield* entry('oci-layout', json({ imageLayoutVersion: '1.0.0' }));
    yield* entry('index.json', index);
    yield ustar({ name: 'blobs/', type: 'directory', mode: 0o755, size: 0 });
    yield ustar({ name: 'blobs/sha256/', type: 'directory', mode: 0o755, size: 0 });
    for (const blob of ordered) {
      yield ustar({ name: `blobs/sha256/${blob.digest}`, type: 'file', mode: 0o644, size: blob.size });
      if (blob.bytes) yield blob.bytes;
      else yield* concatFiles(blob.files, blob.last);
      yield padding(blob.size);
    }
    yield Buffer.alloc(2 * BLOCK);
  }
  const temp = `${path}.tmp`;
  await pipeline(Readable.from(entries()), createWriteStream(temp, { highWaterMark: 1 << 20 }));
  await rename(temp, path);
}

async function fileDigest(path) {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk);
  return h.digest('hex');
}

const json = (value) => Buffer.from(JSON.stringify(value));
const hex = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sha = (bytes) => `sha256:${hex(bytes)}`;
const mb = (n) => `${(n / 1e6).toFixed(0)} MB`;
