// containerd as a ferry end (Debian package `containerd`; needs root): `ferry copy` into containerd:NS/NAME over its
// gRPC socket keeps every platform's content through containerd's gc, unpacks the host platform into the
// snapshotter as ctr would, and reads images back out with partial platforms reported, not failed on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { chainIDs } from '../../src/oci/chain-ids.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, SEVEN_PLATFORMS, platformLabel, type BuiltImage } from '../helpers/image-builder.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { tarBytes } from '../helpers/tar.js';
import { digestOf } from '../../src/oci/digest.js';
import { CONTAINERD_NEED, startContainerd, type Containerd } from './harness/containerd.js';
import { describeInterop } from './harness/requirements.js';

const NAME = 'docker.io/library/ferry-end:1';
const AMD64_HOST = { FERRY_PLATFORM: 'linux/amd64' };
const SNAPSHOTTER = 'overlayfs';
const NO_AMD64: BuiltImage['manifests'][number]['platform'][] = [
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 'arm', variant: 'v6' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
  { os: 'linux', architecture: 'riscv64' },
  { os: 'linux', architecture: 'mips64le' },
];

interface CopyJson {
  name: string;
  digest: string;
  platforms: string[];
  incomplete: string[];
  unpack?: { reason: string; available: string[]; manifest?: string; snapshot?: string; snapshotter?: string; applied?: number };
}

describeInterop('containerd end (ferry copy … containerd:NS/NAME)', [CONTAINERD_NEED], () => {
  let containerd: Containerd;
  let dir: string;
  let image: BuiltImage;
  let archive: string;
  const ferry = (args: string[]) => runFerry(['--root', join(dir, 'store'), ...args, '--address', containerd.address], { env: AMD64_HOST });
  const ferryJson = <T>(args: string[]) => runFerryJson<T>(['--root', join(dir, 'store'), ...args, '--address', containerd.address], { env: AMD64_HOST });
  const contentDigests = () => new Set(containerd.ctr(['content', 'ls', '-q']).split('\n').filter(Boolean));

  beforeAll(async () => {
    containerd = await startContainerd();
    dir = mkdtempSync(join(tmpdir(), 'ferry-ctd-end-'));
    // 1 MiB of padding per platform layer: seven platforms make a 7 MiB+ archive, layers streamed in chunks.
    image = await buildImage({ platforms: SEVEN_PLATFORMS, padding: 1 << 20, seed: 'containerd-end' });
    archive = join(dir, 'seven.tar');
    writeFileSync(archive, await ociLayoutTar({ images: [{ image, containerdName: NAME, refName: '1' }] }));
  }, 120_000);

  afterAll(async () => {
    await containerd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies every platform with gc labels and unpacks the host platform into the snapshotter', async () => {
    const json = await ferryJson<CopyJson>(['copy', '--all-platforms', archive, `containerd:${containerd.namespace}/${NAME}`]);
    expect(json.digest).toBe(image.index.desc.digest);
    expect(json.platforms).toHaveLength(7);
    const amd64 = image.manifests.find((m) => m.platform.architecture === 'amd64')!;
    const top = chainIDs(amd64.layers.map((l) => l.diffID)).at(-1)!;
    expect(json.unpack).toMatchObject({ manifest: amd64.desc.digest, snapshotter: SNAPSHOTTER, snapshot: top, applied: 2 });

    const listing = containerd.ctr(['images', 'ls']);
    const row = listing.split('\n').find((l) => l.startsWith(NAME))!;
    expect(row).toContain(image.index.desc.digest);
    for (const p of SEVEN_PLATFORMS) expect(row).toContain(platformLabel(p));
    // ctr checks the host platform (its default matcher): complete, and unpacked in the snapshotter.
    const check = containerd.ctr(['images', 'check', `name==${NAME}`]).split('\n').find((l) => l.startsWith(NAME))!;
    expect(check).toMatch(/complete \(3\/3\)/);
    expect(check).toMatch(/true\s*$/);
    expect(containerd.ctr(['snapshots', '--snapshotter', SNAPSHOTTER, 'ls'])).toContain(top);
    const layerInfo = containerd.ctr(['content', 'ls']).split('\n').find((l) => l.startsWith(amd64.layers[1]!.desc.digest))!;
    expect(layerInfo).toContain(`containerd.io/uncompressed=${amd64.layers[1]!.diffID}`);
  });

  it("keeps every platform's content through containerd's gc, and manifests and configs through prune references", async () => {
    const every = [image.index.desc, ...image.manifests.flatMap((m) => [m.desc, m.config.desc, ...m.layers.map((l) => l.desc)])].map((d) => d.digest);
    // Removing another name with --sync runs containerd's gc at once: only labels keep content alive.
    containerd.ctr(['images', 'tag', NAME, `${NAME}-gc`]);
    containerd.ctr(['images', 'rm', '--sync', `${NAME}-gc`]);
    const afterGc = contentDigests();
    for (const d of every) expect(afterGc.has(d), d).toBe(true);

    // An image read back out is the same image, every platform.
    const back = await ferryJson<CopyJson>(['copy', '--all-platforms', `containerd:${containerd.namespace}/${NAME}`, 'store:back:1']);
    expect(back).toMatchObject({ digest: image.index.desc.digest, incomplete: [] });
    expect(back.platforms).toHaveLength(7);

    // prune references drops the layer labels by design (layers of unpacked images are then collectable); what
    // the index and manifests reference by their own labels stays for every platform, and so does the snapshot.
    containerd.ctr(['content', 'prune', 'references']);
    const afterPrune = contentDigests();
    for (const m of image.manifests) {
      expect(afterPrune.has(m.desc.digest), platformLabel(m.platform)).toBe(true);
      expect(afterPrune.has(m.config.desc.digest), platformLabel(m.platform)).toBe(true);
    }
    const amd64 = image.manifests.find((m) => m.platform.architecture === 'amd64')!;
    expect(containerd.ctr(['snapshots', '--snapshotter', SNAPSHOTTER, 'ls'])).toContain(chainIDs(amd64.layers.map((l) => l.diffID)).at(-1)!);
  });

  it('reads a partial image out of containerd: the platforms it holds copied, the rest reported per platform', async () => {
    // After prune references the layers are gone: copying the image in again brings them back.
    await ferryJson<CopyJson>(['copy', '--all-platforms', '--no-unpack', archive, `containerd:${containerd.namespace}/${NAME}`]);
    const s390x = image.manifests.find((m) => m.platform.architecture === 's390x')!;
    containerd.ctr(['content', 'rm', s390x.layers[1]!.desc.digest]);
    const out = await ferryJson<CopyJson>(['copy', '--all-platforms', `containerd:${containerd.namespace}/${NAME}`, 'store:partial:1']);
    expect(out.incomplete).toEqual(['linux/s390x']);
    expect(out.platforms).toHaveLength(6);
    const named = await ferry(['copy', `containerd:${containerd.namespace}/${NAME}`, 'store:s390x:1', '--platform', 'linux/s390x']);
    expect(named.code).not.toBe(0);
    expect(named.stderr).toContain(`missing ${s390x.layers[1]!.desc.digest}`);
    expect(named.stderr).not.toContain('content digest');
  });

  it('imports a seven-platform archive without the host platform: nothing unpacked, and says which platform to choose', async () => {
    const foreign = await buildImage({ platforms: NO_AMD64, seed: 'no-amd64' });
    const path = join(dir, 'no-amd64.tar');
    const name = 'docker.io/library/no-amd64:1';
    writeFileSync(path, await ociLayoutTar({ images: [{ image: foreign, containerdName: name, refName: '1' }] }));
    const before = containerd.ctr(['snapshots', '--snapshotter', SNAPSHOTTER, 'ls']);
    const result = await ferry(['copy', '--all-platforms', path, `containerd:${containerd.namespace}/${name}`]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('not unpacked: no compatible match for the host platform linux/amd64');
    expect(result.stdout).toContain('available: linux/arm64/v8, linux/arm/v7');
    expect(result.stdout).toContain('choose one with --unpack-platform');
    expect(containerd.ctr(['images', 'ls'])).toContain(name);
    expect(containerd.ctr(['snapshots', '--snapshotter', SNAPSHOTTER, 'ls'])).toBe(before);
    const layers = contentDigests();
    for (const m of foreign.manifests) for (const l of m.layers) expect(layers.has(l.desc.digest)).toBe(true);
  });

  it('imports an archive with --into containerd:NAMESPACE under its own names, the store left as it was', async () => {
    const json = await ferryJson<{ namespace: string; images: { names: string[]; digest: string; platforms: string[]; unpack?: { snapshot?: string } }[] }>([
      'import', '--all-platforms', '--into', `containerd:${containerd.namespace}`, archive,
    ]);
    expect(json.namespace).toBe(containerd.namespace);
    expect(json.images).toHaveLength(1);
    expect(json.images[0]).toMatchObject({ names: [NAME], digest: image.index.desc.digest });
    expect(json.images[0]!.platforms).toHaveLength(7);
    expect(json.images[0]!.unpack?.snapshot).toMatch(/^sha256:/);
    expect(containerd.ctr(['images', 'check', `name==${NAME}`]).split('\n').find((l) => l.startsWith(NAME))).toMatch(/complete \(3\/3\).*true\s*$/);
    const listed = await runFerryJson<{ name: string }[] | { images: { name: string }[] }>(['--root', join(dir, 'store'), 'images', 'ls']);
    expect(JSON.stringify(listed)).not.toContain('ferry-end');
  });

  it.skipIf(process.arch !== 'x64')('ctr run starts a container from what ferry unpacked, no pull or unpack by containerd', async () => {
    const path = join(dir, 'runnable.tar');
    const name = 'docker.io/library/ferry-runnable:1';
    writeFileSync(path, await ociLayoutTar({ images: [{ image: await runnableImage(), containerdName: name, refName: '1' }] }));
    await ferryJson(['copy', '--all-platforms', path, `containerd:${containerd.namespace}/${name}`]);
    const out = containerd.ctr(['run', '--rm', name, `ferry-run-${process.pid}`]);
    expect(out).toMatch(/^ctr github.com\/containerd\/containerd/);
  });

  it('fails with one line when the socket is not there', async () => {
    const result = await runFerry(['--root', join(dir, 'store'), 'copy', archive, 'containerd:default/x:1', '--address', join(dir, 'absent.sock')]);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('no containerd socket at');
  });
});

/**
 * An amd64 image whose one layer is this machine's `ctr` binary and the libraries it links (ldd), run as
 * `ctr --version`; the index also names an arm64 manifest of the same layer, so the copy is multi-platform.
 */
async function runnableImage(): Promise<BuiltImage> {
  const files = ['/usr/bin/ctr', ...execFileSync('ldd', ['/usr/bin/ctr'], { encoding: 'utf8' }).match(/\/[^\s]+/g)!];
  const layerTar = await tarBytes(files.map((f) => ({ name: f.slice(1), data: readFileSync(f), mode: 0o755 })));
  const content = new MemoryContent();
  const layer = content.put('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(layerTar));
  const manifests = ['amd64', 'arm64'].map((architecture) => {
    const config = content.put(
      'application/vnd.oci.image.config.v1+json',
      Buffer.from(JSON.stringify({ architecture, os: 'linux', config: { Cmd: ['/usr/bin/ctr', '--version'] }, rootfs: { type: 'layers', diff_ids: [digestOf(layerTar)] } })),
    );
    const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] }));
    return content.put('application/vnd.oci.image.manifest.v1+json', bytes, { platform: { os: 'linux', architecture } });
  });
  const indexBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  return { content, index: { desc: content.put('application/vnd.oci.image.index.v1+json', indexBytes), bytes: indexBytes }, manifests: [], attestations: [] };
}
