/**
 * Imports that never strand a user, each on an archive a real tool wrote: umoci (Debian package `umoci`), skopeo
 * (`skopeo`), podman (`podman`) and containerd's ctr (`containerd`, needs root). Locally a test whose tool is
 * missing is skipped with one line naming the package; in CI (CI=true) it runs and fails.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, SEVEN_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { CONTAINERD_NEED, startContainerd } from './harness/containerd.js';
import { writeOciDir } from './harness/oci-dir.js';
import { describeInterop, SKOPEO_NEED, UMOCI_NEED, type ToolNeed } from './harness/requirements.js';
import { run } from './harness/tools.js';

/** The podman block keeps its own vfs store (below), so unlike PODMAN_NEED's containers-storage it does not ask for root. */
const PODMAN_SAVE_NEED: ToolNeed = { debianPackage: 'podman', tools: ['podman'] };

interface ImportJson {
  images: {
    names: string[];
    digest: string;
    platforms: string[];
    incomplete: { platform: string }[];
    skipped: string[];
    unpack?: { reason: string; available: string[]; manifest?: string; outcome?: { snapshot: string } };
  }[];
  notImported: { names: string[]; digest: string; platforms: string[]; reason: string }[];
  warnings: string[];
}

let tmp: TempDir;
const at = (...parts: string[]) => join(tmp.dir, ...parts);
let storeCount = 0;
/** A fresh store for each import, so no test sees another's images. */
const freshRoot = () => at(`store-${++storeCount}`);
const host = (platform: string) => ({ env: { FERRY_PLATFORM: platform } });

function skopeo(...args: string[]): string {
  // --insecure-policy: the test machine may have no /etc/containers/policy.json, and nothing here is trusted anyway.
  return run('skopeo', ['--insecure-policy', ...args]);
}

/** A file of `size` random bytes, so layers are of a realistic size and no two images share one. */
function randomFile(name: string, size: number): string {
  const path = at(name);
  writeFileSync(path, randomBytes(size));
  return path;
}

let seven: BuiltImage;

beforeAll(async () => {
  tmp = await tempDir('ferry-import-behaviours-');
  seven = await buildImage({ platforms: SEVEN_PLATFORMS, seed: 'import-behaviours', padding: 256 * 1024 });
  await writeOciDir(at('seven-src'), [{ image: seven, refName: 'seven' }]);
});
afterAll(() => tmp?.cleanup());

describeInterop('1. a umoci layout of 8 tagged images imports per image', [UMOCI_NEED], () => {
  let archive: string;
  beforeAll(() => {
    const layout = at('umoci-layout');
    run('umoci', ['init', '--layout', layout]);
    const tags = [...Array.from({ length: 7 }, (_, i) => `amd${i + 1}`), 'arm'];
    for (const [i, tag] of tags.entries()) {
      run('umoci', ['new', '--image', `${layout}:${tag}`]);
      // A multiple of 512 bytes: Debian's umoci 0.4.7 ends layers before the tar padding (GNU tar, containerd
      // and ferry all refuse such a layer as truncated), so only a file that needs no padding makes a readable one.
      run('umoci', ['insert', '--image', `${layout}:${tag}`, randomFile(`payload-${tag}`, (1024 + i) * 512), `/payload-${tag}`]);
      run('umoci', ['config', '--image', `${layout}:${tag}`, '--os', 'linux', '--architecture', tag === 'arm' ? 'arm64' : 'amd64']);
    }
    archive = at('umoci.tar');
    // GNU tar, as users tar a layout: entries are named ./index.json, ./blobs/sha256/…
    run('tar', ['-C', layout, '-cf', archive, '.']);
  });

  it('imports all 8 on an amd64 host, as ctr does: each tag is one manifest; the arm64 one is not unpacked', async () => {
    const root = freshRoot();
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', archive], host('linux/amd64'));
    expect(json.notImported).toEqual([]);
    const byTag = new Map(json.images.map((i) => [i.names[0]!.split(':').at(-1), i]));
    expect([...byTag.keys()].sort()).toEqual(['amd1', 'amd2', 'amd3', 'amd4', 'amd5', 'amd6', 'amd7', 'arm']);
    // umoci writes index entries without a platform: each is known by its config.
    expect(byTag.get('arm')!.platforms).toEqual(['linux/arm64']);
    expect(byTag.get('arm')!.unpack!.outcome).toBeUndefined();
    for (let i = 1; i <= 7; i++) expect(byTag.get(`amd${i}`)!.unpack!.outcome, `amd${i}`).toBeDefined();
    expect(await runFerryJson<{ name: string }[]>(['--root', root, 'images', 'ls'])).toHaveLength(8);
  });

  it('--platform linux/arm64 imports the one arm64 image and lists the 7 others', async () => {
    const json = await runFerryJson<ImportJson>(['--root', freshRoot(), 'import', '--platform', 'linux/arm64', archive], host('linux/amd64'));
    expect(json.images.map((i) => i.platforms)).toEqual([['linux/arm64']]);
    expect(json.notImported.map((n) => n.platforms)).toEqual(Array.from({ length: 7 }, () => ['linux/amd64']));
  });

  it('only an explicit --platform no image has is an error, and the store stays empty', async () => {
    const root = freshRoot();
    const result = await runFerry(['--root', root, 'import', '--platform', 'linux/s390x', archive], host('linux/amd64'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no image of the archive has a linux\/s390x manifest; available: linux\/amd64, linux\/arm64; .*\(ERR_PLATFORM_NOT_FOUND\)/);
    expect(await runFerryJson<unknown[]>(['--root', root, 'images', 'ls'])).toEqual([]);
  });
});

describeInterop('1, 2 and 4. podman archives', [PODMAN_SAVE_NEED, SKOPEO_NEED], () => {
  let multi: string;
  let ociArchive: string;
  let arm64: BuiltImage;

  beforeAll(async () => {
    const amd64 = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], seed: 'podman-amd64', padding: 256 * 1024 });
    arm64 = await buildImage({ platforms: [{ os: 'linux', architecture: 'arm64' }], seed: 'podman-arm64', padding: 256 * 1024 });
    const src = at('podman-src');
    await writeOciDir(src, [
      { image: amd64, refName: 'amd', top: amd64.manifests[0]!.desc },
      { image: arm64, refName: 'arm', top: arm64.manifests[0]!.desc },
    ]);
    // A private podman store: vfs needs no kernel support, and nothing touches the machine's own images.
    const podman = (...args: string[]) =>
      run('podman', ['--root', at('podman-root'), '--runroot', at('podman-run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'none', ...args]);
    const storage = `containers-storage:[vfs@${at('podman-root')}+${at('podman-run')}]`;
    skopeo('copy', `oci:${src}:amd`, `${storage}docker.io/ferry/amd:1`);
    skopeo('copy', `oci:${src}:arm`, `${storage}docker.io/ferry/arm:1`);
    multi = at('podman-multi.tar');
    podman('save', '--multi-image-archive', '-o', multi, 'docker.io/ferry/amd:1', 'docker.io/ferry/arm:1');
    ociArchive = at('podman-oci.tar');
    podman('save', '--format', 'oci-archive', '-o', ociArchive, 'docker.io/ferry/amd:1');
  });

  it('a --multi-image-archive with an amd64 and an arm64 image imports both; the host unpacks amd64 and is told how to unpack arm64', async () => {
    const root = freshRoot();
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', multi], host('linux/amd64'));
    expect(json.notImported).toEqual([]);
    const byName = new Map(json.images.map((i) => [i.names[0], i]));
    expect(byName.get('docker.io/ferry/amd:1')!.platforms).toEqual(['linux/amd64']);
    expect(byName.get('docker.io/ferry/amd:1')!.unpack!.outcome).toBeDefined();
    const arm = byName.get('docker.io/ferry/arm:1')!;
    expect(arm.platforms).toEqual(['linux/arm64']);
    expect(arm.unpack!.outcome).toBeUndefined();
    expect(arm.unpack!.reason).toBe('no compatible match for the host platform linux/amd64');

    const text = await runFerry(['--root', freshRoot(), 'import', multi], host('linux/amd64'));
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('not unpacked: no compatible match for the host platform linux/amd64; available: linux/arm64; choose one with --unpack-platform, or later: ferry unpack --platform linux/arm64 docker.io/ferry/arm:1 DIR');

    // What the hint says works, and the rootfs holds the arm64 image's files.
    const dir = at('arm-rootfs');
    const unpacked = await runFerry(['--root', root, 'unpack', '--platform', 'linux/arm64', 'docker.io/ferry/arm:1', dir], host('linux/amd64'));
    expect(unpacked.code, unpacked.stderr).toBe(0);
    // The files of the arm64 image's own top layer, with its content.
    const top = arm64.manifests[0]!.layers.at(-1)!.entries.filter((e) => (e.type ?? 'file') === 'file' && !e.name.includes('.wh.'));
    expect(top.length).toBeGreaterThan(0);
    for (const e of top) expect(readFileSync(join(dir, e.name)).equals(Buffer.from(e.data ?? '')), e.name).toBe(true);
  });

  it('an OCI archive whose index entry has no platform: a --platform it lacks names the platform from its config', async () => {
    const entry = JSON.parse(run('tar', ['-xOf', ociArchive, 'index.json'])).manifests[0];
    expect(entry.platform).toBeUndefined();
    const result = await runFerry(['--root', freshRoot(), 'import', '--platform', 'linux/arm64', ociArchive], host('linux/amd64'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('available: linux/amd64;');
  });
});

describeInterop('2, 3, 5 and 6. skopeo archives', [SKOPEO_NEED], () => {
  it('1. a layout of two indexes imports the one with the host platform and lists the other with its platforms', async () => {
    const armOnly = await buildImage({ platforms: [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }], seed: 'arm-only' });
    const src = at('two-indexes-src');
    await writeOciDir(src, [{ image: armOnly, refName: 'arm' }]);
    const layout = at('two-indexes');
    skopeo('copy', '--all', `oci:${at('seven-src')}:seven`, `oci:${layout}:seven`);
    skopeo('copy', '--all', `oci:${src}:arm`, `oci:${layout}:arm`);
    const out = at('two-indexes.tar');
    run('tar', ['-C', layout, '-cf', out, '.']);
    const json = await runFerryJson<ImportJson>(['--root', freshRoot(), 'import', out], host('linux/amd64'));
    expect(json.images.map((i) => [i.names[0]!.split(':').at(-1), i.platforms])).toEqual([['seven', ['linux/amd64', 'linux/386']]]);
    expect(json.notImported.map((n) => [n.names[0]!.split(':').at(-1), n.platforms])).toEqual([['arm', ['linux/arm64', 'linux/arm/v7']]]);
    // On an arm64 host the same archive brings both: seven's arm64 and arm's.
    const onArm = await runFerryJson<ImportJson>(['--root', freshRoot(), 'import', out], host('linux/arm64'));
    expect(onArm.images).toHaveLength(2);
    expect(onArm.notImported).toEqual([]);
  });

  it('2. a skopeo docker-archive of an arm64 image is imported on an amd64 host, not unpacked, and says why', async () => {
    const out = at('skopeo-arm64-docker.tar');
    skopeo('--override-arch', 'arm64', '--override-variant', 'v8', '--override-os', 'linux', 'copy', `oci:${at('seven-src')}:seven`, `docker-archive:${out}:ferry/arm64:1`);
    const root = freshRoot();
    const json = await runFerryJson<ImportJson>(['--root', root, 'import', out], host('linux/amd64'));
    expect(json.images).toHaveLength(1);
    expect(json.images[0]!.names).toEqual(['docker.io/ferry/arm64:1']);
    expect(json.images[0]!.platforms).toEqual(['linux/arm64/v8']);
    expect(json.images[0]!.unpack!.outcome).toBeUndefined();
    expect(json.images[0]!.unpack!.available).toEqual(['linux/arm64/v8']);
    const ls = await runFerryJson<{ name: string; digest: string }[]>(['--root', root, 'images', 'ls']);
    expect(ls.map((i) => [i.name, i.digest])).toEqual([['docker.io/ferry/arm64:1', json.images[0]!.digest]]);
  });

  it('3. FERRY_PLATFORM=darwin/arm64 imports a 7-platform skopeo oci-archive: the Mac runs linux/arm64', async () => {
    const out = at('skopeo-seven.tar');
    if (!existsSync(out)) skopeo('copy', '--all', `oci:${at('seven-src')}:seven`, `oci-archive:${out}:seven`);
    const arm64 = seven.manifests.find((m) => m.platform.architecture === 'arm64')!;
    const json = await runFerryJson<ImportJson>(['--root', freshRoot(), 'import', out], host('darwin/arm64'));
    expect(json.images[0]!.platforms).toEqual(['linux/arm64/v8']);
    expect(json.images[0]!.unpack!.manifest).toBe(arm64.desc.digest);
    expect(json.images[0]!.unpack!.outcome).toBeDefined();
    const explained = await runFerryJson<{ winner: { digest: string } | null; requested: string[] }>(
      ['--root', freshRoot(), 'platforms', 'explain', 'host', '--against', out],
      host('darwin/arm64'),
    );
    expect(explained.winner?.digest).toBe(arm64.desc.digest);
  });

  it('9. a convert that changes nothing writes nothing and says so', async () => {
    const out = at('skopeo-seven.tar');
    if (!existsSync(out)) skopeo('copy', '--all', `oci:${at('seven-src')}:seven`, `oci-archive:${out}:seven`);
    const root = freshRoot();
    const imported = await runFerryJson<ImportJson>(['--root', root, 'import', '--all-platforms', '--no-unpack', out], host('linux/amd64'));
    const name = imported.images[0]!.names[0]!;
    const before = readFileSync(join(root, 'index.json'));
    const blobsBefore = readdirSync(join(root, 'blobs', 'sha256')).sort();
    const converted = await runFerryJson<{ unchanged: boolean; changed: unknown[]; target: { digest: string } }>(['--root', root, 'convert', '--oci', '--layers', 'gzip', name]);
    expect(converted.unchanged).toBe(true);
    expect(converted.changed).toEqual([]);
    expect(converted.target.digest).toBe(imported.images[0]!.digest);
    expect(readFileSync(join(root, 'index.json')).equals(before)).toBe(true);
    expect(readdirSync(join(root, 'blobs', 'sha256')).sort()).toEqual(blobsBefore);
    const text = await runFerry(['--root', root, 'convert', '--oci', name]);
    expect(text.stdout).toContain('nothing to change');
  });

  it('7. snapshots have a lifecycle: images rm then gc frees them, fsck removes orphans, a failed import leaves none', async () => {
    const out = at('skopeo-seven.tar');
    if (!existsSync(out)) skopeo('copy', '--all', `oci:${at('seven-src')}:seven`, `oci-archive:${out}:seven`);
    const root = freshRoot();
    const imported = await runFerryJson<ImportJson>(['--root', root, 'import', out], host('linux/amd64'));
    const snapshot = imported.images[0]!.unpack!.outcome!.snapshot;
    expect(existsSync(join(snapshot, 'etc', 'os-release'))).toBe(true);
    // gc keeps what an image uses.
    const kept = await runFerryJson<{ removedSnapshots: string[] }>(['--root', root, 'gc']);
    expect(kept.removedSnapshots).toEqual([]);
    expect(existsSync(snapshot)).toBe(true);
    const rm = await runFerry(['--root', root, 'images', 'rm', imported.images[0]!.names[0]!]);
    expect(rm.code, rm.stderr).toBe(0);
    const freed = await runFerryJson<{ removedSnapshots: string[]; removedBlobs: unknown[] }>(['--root', root, 'gc']);
    expect(freed.removedSnapshots).toEqual([snapshot]);
    expect(freed.removedBlobs.length).toBeGreaterThan(0);
    expect(existsSync(snapshot)).toBe(false);
    expect(readdirSync(join(root, 'blobs', 'sha256'))).toEqual([]);
    // fsck reports and removes an orphan snapshot too.
    const again = await runFerryJson<ImportJson>(['--root', root, 'import', out], host('linux/amd64'));
    expect(again.images[0]!.unpack!.outcome!.snapshot).toBe(snapshot);
    expect((await runFerry(['--root', root, 'images', 'rm', again.images[0]!.names[0]!])).code).toBe(0);
    const checked = await runFerryJson<{ removedSnapshots: string[]; problems: unknown[] }>(['--root', root, 'fsck']);
    expect(checked.removedSnapshots).toEqual([snapshot]);
    expect(existsSync(snapshot)).toBe(false);

    // An import that fails after unpacking its first image (the second lacks a blob of the platform asked for).
    const layout = at('failing-layout');
    skopeo('copy', '--all', `oci:${at('seven-src')}:seven`, `oci:${layout}:seven`);
    const other = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], seed: 'lost-layer' });
    const otherSrc = at('failing-src');
    await writeOciDir(otherSrc, [{ image: other, refName: 'lost' }]);
    skopeo('copy', '--all', `oci:${otherSrc}:lost`, `oci:${layout}:lost`);
    const lostLayer = other.manifests[0]!.layers[0]!.desc.digest;
    run('rm', [join(layout, 'blobs', 'sha256', lostLayer.slice(7))]);
    const failing = at('failing.tar');
    run('tar', ['-C', layout, '-cf', failing, '.']);
    const failRoot = freshRoot();
    const failed = await runFerry(['--root', failRoot, 'import', '--platform', 'linux/amd64', failing], host('linux/amd64'));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('ERR_INCOMPLETE');
    expect(readdirSync(join(failRoot, 'snapshots')).filter((n) => !n.startsWith('tmp-'))).toEqual([]);
    expect(await runFerryJson<unknown[]>(['--root', failRoot, 'images', 'ls'])).toEqual([]);
  });

  it('5. a docker-save layer whose file is in the archive is that file, whatever LayerSources says', async () => {
    const out = at('skopeo-amd64-docker.tar');
    skopeo('--override-arch', 'amd64', '--override-os', 'linux', 'copy', `oci:${at('seven-src')}:seven`, `docker-archive:${out}:ferry/amd64:1`);
    const plain = await runFerryJson<ImportJson>(['--root', freshRoot(), 'import', out], host('linux/amd64'));
    // As Docker records a layer it pulled compressed: a LayerSources descriptor whose blob is not in the archive.
    const dir = at('layer-sources');
    run('mkdir', ['-p', dir]);
    run('tar', ['-C', dir, '-xf', out]);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dir, manifest[0].Config), 'utf8'));
    const diffID: string = config.rootfs.diff_ids[0];
    const elsewhere = createHash('sha256').update('compressed elsewhere').digest('hex');
    manifest[0].LayerSources = { [diffID]: { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: `sha256:${elsewhere}`, size: 1234 } };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const edited = at('layer-sources.tar');
    run('tar', ['-C', dir, '-cf', edited, ...readdirSync(dir)]);
    const json = await runFerryJson<ImportJson>(['--root', freshRoot(), 'import', edited], host('linux/amd64'));
    expect(json.images[0]!.incomplete).toEqual([]);
    expect(json.images[0]!.platforms).toEqual(['linux/amd64']);
    expect(json.images[0]!.unpack!.outcome).toBeDefined();
    // The manifest is the one the archive's own files make, as ctr and skopeo read it.
    expect(json.images[0]!.digest).toBe(plain.images[0]!.digest);
  });

  it('6. an index.json entry of an unknown media type is skipped with a warning; the other image imports', async () => {
    const layout = at('skopeo-layout');
    skopeo('copy', '--all', `oci:${at('seven-src')}:seven`, `oci:${layout}:seven`);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    const config = seven.manifests[0]!.config.desc;
    index.manifests.push({ mediaType: 'application/vnd.example.sbom.v1+json', digest: config.digest, size: config.size });
    writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
    // skopeo still reads the image beside the odd entry.
    expect(JSON.parse(skopeo('inspect', '--raw', `oci:${layout}:seven`)).manifests).toHaveLength(7);
    const out = at('skopeo-odd-entry.tar');
    run('tar', ['-C', layout, '-cf', out, '.']);
    const result = await runFerry(['--root', freshRoot(), 'import', out], host('linux/amd64'));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`warning: ${out}: skipped ${config.digest}: media type application/vnd.example.sbom.v1+json is not an image index or manifest`);
    expect(result.stdout).toMatch(/imported 1 image\(s\)/);
    expect(result.stdout).toContain('platforms: linux/amd64');
  });
});

describeInterop('4. a partial ctr export', [CONTAINERD_NEED, SKOPEO_NEED], () => {
  it('"available:" lists only the platform whose content is there, not the six the index names', async () => {
    const full = at('ctr-seven.tar');
    skopeo('copy', '--all', `oci:${at('seven-src')}:seven`, `oci-archive:${full}:seven`);
    const containerd = await startContainerd();
    try {
      containerd.ctr(['images', 'import', '--all-platforms', '--base-name', 'docker.io/library/seven', full]);
      const name = containerd.ctr(['images', 'ls', '-q']).trim().split('\n')[0]!;
      const partial = at('ctr-partial.tar');
      containerd.ctr(['images', 'export', '--platform', 'linux/amd64', partial, name]);
      const result = await runFerry(['--root', freshRoot(), 'import', '--platform', 'linux/arm64', partial], host('linux/amd64'));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/has no complete content for linux\/arm64.*; available: linux\/amd64; .*\(ERR_INCOMPLETE\)/);
    } finally {
      await containerd.stop();
    }
  });
});
