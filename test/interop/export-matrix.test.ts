// ferry → consumers (Debian packages docker.io, podman, buildah, containerd, skopeo, umoci; needs root): every
// kind of ferry export is read by docker load, podman load, ctr images import, skopeo copy and buildah from;
// each consumer shows the right names and platform, and its rootfs equals ferry's own unpack entry by entry.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFerry } from '../helpers/cli.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { CORPUS_NEEDS, loadCorpus, type Corpus } from './corpus/corpus.js';
import { MATRIX_HOST } from './corpus/import-expectations.js';
import { CORPUS_REPO } from './corpus/source-layout.js';
import { startContainerd, type Containerd } from './harness/containerd.js';
import { openContainersStorage, type ContainersStorage } from './harness/containers-storage.js';
import { buildahRootfs, ctrRootfs, dockerRootfs, podmanRootfs } from './harness/consumer-rootfs.js';
import { startDockerd, type DockerEngine } from './harness/dockerd.js';
import { describeInterop, missingNeed, type ToolNeed } from './harness/requirements.js';
import { diffTrees, readTree, type Tree } from './harness/rootfs-tree.js';
import { run } from './harness/tools.js';

const MULTI = `${CORPUS_REPO}:multi`;
const SECOND = `${CORPUS_REPO}:amd64`;
const env = { FERRY_PLATFORM: MATRIX_HOST };

/** A kind of ferry export: its arguments, and what a consumer should find in it. */
interface ExportCase {
  id: string;
  args: string[];
  images: string[];
  /** Platforms in the archive's index for MULTI. */
  platforms: 'all' | 'arm64';
  /** docker engines before 23 cannot load it (ferry warns at export). */
  zstd?: 'layers' | 'archive';
}

const EXPORTS: ExportCase[] = [
  { id: 'all platforms', args: ['--all-platforms'], images: [MULTI], platforms: 'all' },
  { id: 'one platform (--platform linux/arm64)', args: ['--platform', 'linux/arm64'], images: [MULTI], platforms: 'arm64' },
  { id: 'several images', args: ['--all-platforms'], images: [MULTI, SECOND], platforms: 'all' },
  { id: '--compress gzip', args: ['--all-platforms', '--compress', 'gzip'], images: [MULTI], platforms: 'all' },
  { id: '--compress zstd', args: ['--all-platforms', '--compress', 'zstd'], images: [MULTI], platforms: 'all', zstd: 'archive' },
  { id: '--layer-compression zstd', args: ['--all-platforms', '--layer-compression', 'zstd'], images: [MULTI], platforms: 'all', zstd: 'layers' },
  { id: '--layer-compression uncompressed', args: ['--all-platforms', '--layer-compression', 'uncompressed'], images: [MULTI], platforms: 'all' },
];

interface Exported {
  file: string;
  /** ferry export --json, per image. */
  images: { name: string; digest: string; platforms: string[]; dockerPlatform?: string }[];
  warnings: string[];
}

/** ctr 1.6 imports a plain tar only: the zstd-compressed export reaches it through `zstd -dc`. */
const ZSTD_NEED: ToolNeed = { debianPackage: 'zstd', tools: ['zstd'] };

const corpus: Corpus | undefined = missingNeed(CORPUS_NEEDS) ? undefined : await loadCorpus();

describeInterop('ferry exports → docker, podman, ctr, skopeo, buildah', [...CORPUS_NEEDS, ZSTD_NEED], () => {
  let tmp: TempDir;
  let root: string;
  let docker: DockerEngine;
  let containerd: Containerd;
  let containers: ContainersStorage;
  const exported = new Map<string, Exported>();
  /** ferry's own unpack of each platform the consumers get. */
  const ferryTrees = new Map<string, Tree>();

  beforeAll(async () => {
    tmp = await tempDir('ferry-export-matrix-');
    root = join(tmp.dir, 'store');
    [docker, containerd] = await Promise.all([startDockerd(), startContainerd()]);
    containers = openContainersStorage();
    const archive = (id: string) => corpus!.archives.find((a) => a.id === id)!.file;
    for (const [file, args] of [[archive('skopeo oci-archive (index)'), ['--all-platforms']], [archive('docker save'), []]] as const) {
      const imported = await runFerry(['--root', root, 'import', '--no-unpack', ...args, file], { env });
      expect(imported.code, imported.stderr).toBe(0);
    }
    for (const [label, platform] of [['linux/amd64', 'linux/amd64'], ['linux/arm64/v8', 'linux/arm64']] as const) {
      const dir = join(tmp.dir, `unpack-${label.replaceAll('/', '-')}`);
      const unpacked = await runFerry(['--root', root, 'unpack', '--platform', platform, MULTI, dir], { env });
      expect(unpacked.code, unpacked.stderr).toBe(0);
      ferryTrees.set(label, await readTree(dir));
    }
    for (const e of EXPORTS) {
      const file = join(tmp.dir, `${EXPORTS.indexOf(e)}.tar`);
      const result = await runFerry(['--root', root, 'export', ...e.args, file, ...e.images, '--json'], { env });
      expect(result.code, result.stderr).toBe(0);
      const json = JSON.parse(result.stdout) as { images: Exported['images']; warnings?: string[] };
      exported.set(e.id, { file, images: json.images, warnings: json.warnings ?? [] });
    }
  });

  afterAll(async () => {
    containers?.remove();
    await Promise.all([docker?.stop(), containerd?.stop()]);
    await tmp?.cleanup();
  });

  it("ferry's own unpack equals umoci's reference for the platforms the consumers get", () => {
    for (const [label, tree] of ferryTrees) expect(diffTrees(tree, corpus!.references[label]!), label).toEqual([]);
  });

  it.each(EXPORTS.map((e) => ({ e, id: e.id })))('$id: ferry warns exactly when docker 20.10 cannot load it', ({ e }) => {
    const x = exported.get(e.id)!;
    if (e.zstd) expect(x.warnings.join('\n')).toContain('docker engines before 23 cannot load');
    else expect(x.warnings).toEqual([]);
  });

  it.each(EXPORTS.map((e) => ({ e, id: e.id })))('$id: docker load', async ({ e }) => {
    const x = exported.get(e.id)!;
    if (e.zstd) {
      // docker 20.10 stops at the first zstd stream: "archive/tar: invalid tar header" (or a gzip/xz sniff failure).
      expect(() => docker.docker(['load', '-i', x.file])).toThrow();
      return;
    }
    const out = docker.docker(['load', '-i', x.file]);
    for (const image of x.images) {
      // docker follows manifest.json: the entry ferry wrote for --docker-platform or the host.
      const shown = `${image.name.replace(/^docker\.io\//, '')}`;
      expect(out).toContain(`Loaded image: ${shown}`);
      const [inspect] = JSON.parse(docker.docker(['image', 'inspect', shown])) as { Os: string; Architecture: string; RepoTags: string[] }[];
      expect(inspect!.RepoTags).toContain(shown);
      const label = image.dockerPlatform!;
      expect(label.startsWith(`${inspect!.Os}/${inspect!.Architecture}`)).toBe(true);
      if (image.name === MULTI) expect(diffTrees(await dockerRootfs(docker, shown), ferryTrees.get(label)!)).toEqual([]);
      docker.docker(['rmi', shown]);
    }
  });

  it.each(EXPORTS.map((e) => ({ e, id: e.id })))('$id: podman load', async ({ e }) => {
    const x = exported.get(e.id)!;
    const out = containers.podman(['load', '-i', x.file]);
    for (const image of x.images) {
      // Full names in manifest.json: podman keeps them (a short one would become localhost/…).
      expect(out).toContain(image.name);
      const [inspect] = JSON.parse(containers.podman(['inspect', '--type', 'image', image.name])) as { Os: string; Architecture: string }[];
      // One image in index.json: podman picks the host platform from the index; several: it reads manifest.json.
      const label = e.platforms === 'arm64' ? 'linux/arm64/v8' : x.images.length > 1 ? image.dockerPlatform! : MATRIX_HOST;
      expect(label.startsWith(`${inspect!.Os}/${inspect!.Architecture}`), `${inspect!.Os}/${inspect!.Architecture}`).toBe(true);
      if (image.name === MULTI) expect(diffTrees(await podmanRootfs(containers, image.name), ferryTrees.get(label)!)).toEqual([]);
      containers.podman(['rmi', image.name]);
    }
  });

  it.each(EXPORTS.map((e) => ({ e, id: e.id })))('$id: ctr images import --all-platforms', async ({ e }) => {
    const x = exported.get(e.id)!;
    const compressed = e.args.includes('--compress');
    if (compressed) {
      // ctr 1.6 reads a plain tar only; a compressed archive goes through the decompressor on stdin.
      expect(() => containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', x.file])).toThrow(/invalid tar header/);
      const plain = execFileSync(e.args.includes('zstd') ? 'zstd' : 'gzip', ['-dc', x.file], { maxBuffer: 1 << 28 });
      containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', '-'], plain);
    } else {
      containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', x.file]);
    }
    const listing = containerd.ctr(['images', 'ls']);
    for (const image of x.images) {
      const line = listing.split('\n').find((l) => l.startsWith(`${image.name} `));
      expect(line, listing).toBeDefined();
      expect(line!.split(/\s+/)[2]).toBe(image.digest);
      const platforms = e.platforms === 'arm64' ? ['linux/arm64/v8'] : image.platforms;
      for (const p of platforms) expect(line).toContain(p);
      // ctr mounts the platform asked for: the host's, or arm64 when that is all the archive holds.
      const label = e.platforms === 'arm64' ? 'linux/arm64/v8' : MATRIX_HOST;
      if (image.name === MULTI) expect(diffTrees(await ctrRootfs(containerd, image.name, label), ferryTrees.get(label)!)).toEqual([]);
      containerd.ctr(['images', 'rm', image.name]);
    }
  });

  it.each(EXPORTS.map((e) => ({ e, id: e.id })))('$id: skopeo copy --all, then umoci unpack', async ({ e }) => {
    const x = exported.get(e.id)!;
    const image = x.images[0]!;
    const layout = join(tmp.dir, `skopeo-${EXPORTS.indexOf(e)}`);
    // oci-archive:FILE:REF — REF is the tag ferry writes as org.opencontainers.image.ref.name.
    run('skopeo', ['copy', '--all', '--preserve-digests', `oci-archive:${x.file}:multi`, `oci:${layout}:copy`]);
    const raw = run('skopeo', ['inspect', '--raw', `oci:${layout}:copy`]);
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(image.digest);
    const label = e.platforms === 'arm64' ? 'linux/arm64/v8' : MATRIX_HOST;
    // umoci unpacks one manifest: skopeo picks it from the index (the host's, or the only one).
    const arch = e.platforms === 'arm64' ? ['--override-arch', 'arm64'] : [];
    if (e.zstd === 'layers') {
      // umoci 0.4.7 cannot read zstd layers: skopeo decompresses them into a dir: copy instead, and the layers
      // it writes must be exactly the diffIDs of the image (which ferry's unpack checked too).
      const dir = join(tmp.dir, 'skopeo-zstd-dir');
      run('skopeo', ['copy', '--dest-decompress', `oci-archive:${x.file}:multi`, `dir:${dir}`]);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { layers: { digest: string }[] };
      expect(manifest.layers.map((l) => l.digest)).toEqual(corpus!.source.manifests.find((m) => m.label === label)!.diffIDs);
      return;
    }
    run('skopeo', ['copy', ...arch, `oci-archive:${x.file}:multi`, `oci:${layout}:one`]);
    const bundle = join(tmp.dir, `skopeo-bundle-${EXPORTS.indexOf(e)}`);
    run('umoci', ['unpack', '--image', `${layout}:one`, bundle]);
    expect(JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'))).toHaveProperty('root');
    expect(diffTrees(await readTree(join(bundle, 'rootfs')), ferryTrees.get(label)!)).toEqual([]);
  });

  it.each(EXPORTS.map((e) => ({ e, id: e.id })))('$id: buildah from oci-archive', async ({ e }) => {
    const x = exported.get(e.id)!;
    // With several images in the layout buildah needs the ref; with one it takes the only one.
    const ref = x.images.length > 1 ? `oci-archive:${x.file}:multi` : `oci-archive:${x.file}`;
    // buildah picks the host platform from the index; an archive of arm64 only needs --arch.
    const arch = e.platforms === 'arm64' ? ['--arch', 'arm64', '--variant', 'v8'] : [];
    const container = containers.buildah(['from', '--pull-never', ...arch, ref]).trim();
    try {
      const [info] = [JSON.parse(containers.buildah(['inspect', '--type', 'container', container])) as { OCIv1: { architecture: string; os: string } }];
      const label = e.platforms === 'arm64' ? 'linux/arm64/v8' : MATRIX_HOST;
      expect(label.startsWith(`${info!.OCIv1.os}/${info!.OCIv1.architecture}`)).toBe(true);
      expect(diffTrees(await buildahRootfs(containers, container), ferryTrees.get(label)!)).toEqual([]);
    } finally {
      containers.buildah(['rm', container]);
    }
  });
});
