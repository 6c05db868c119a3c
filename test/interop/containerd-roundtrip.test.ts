// Interop with containerd's ctr (Debian package `containerd`; needs root): archives ferry writes must be
// accepted by `ctr images import --all-platforms`, and archives ctr exports (all platforms, and partial
// `--platform` exports) must import into ferry with every digest intact.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, SEVEN_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { readTar } from '../helpers/tar.js';
import { CONTAINERD_NEED, startContainerd, type Containerd } from './harness/containerd.js';
import { describeInterop } from './harness/requirements.js';

const NAME = 'docker.io/library/roundtrip:1';
const AMD64_HOST = { FERRY_PLATFORM: 'linux/amd64' };

describeInterop('containerd interop (ctr)', [CONTAINERD_NEED], () => {
  let containerd: Containerd;
  let dir: string;
  let image: BuiltImage;
  let root: string;

  beforeAll(async () => {
    containerd = await startContainerd();
    dir = mkdtempSync(join(tmpdir(), 'ferry-ctr-'));
    root = join(dir, 'store');
    image = await buildImage({ platforms: SEVEN_PLATFORMS, attestations: true });
    writeFileSync(join(dir, 'source.tar'), await ociLayoutTar({ images: [{ image, containerdName: NAME, refName: '1' }] }));
    const imported = await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', join(dir, 'source.tar')], { env: AMD64_HOST });
    expect(imported.code, imported.stderr).toBe(0);
  });

  afterAll(async () => {
    await containerd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ctr imports a ferry --all-platforms export with the same index digest and every platform', async () => {
    const out = join(dir, 'ferry-export.tar');
    const exported = await runFerry(['--root', root, 'export', '--all-platforms', out, NAME], { env: AMD64_HOST });
    expect(exported.code, exported.stderr).toBe(0);
    containerd.ctr(['images', 'import', '--all-platforms', '--no-unpack', out]);
    const listing = containerd.ctr(['images', 'ls']);
    expect(listing).toContain(NAME);
    expect(listing).toContain(image.index.desc.digest);
    const content = containerd.ctr(['content', 'ls', '-q']).split('\n');
    for (const m of image.manifests) for (const l of m.layers) expect(content).toContain(l.desc.digest);
  });

  it('ferry imports a ctr --all-platforms export, every digest intact', async () => {
    const ctrOut = join(dir, 'ctr-all.tar');
    containerd.ctr(['images', 'export', '--all-platforms', ctrOut, NAME]);
    const other = join(dir, 'store-from-ctr');
    const json = await runFerryJson<{ format: string; images: { names: string[]; digest: string; platforms: string[] }[] }>(
      ['--root', other, 'import', '--all-platforms', ctrOut],
      { env: AMD64_HOST },
    );
    expect(json.format).toBe('containerd-export');
    expect(json.images[0]).toMatchObject({ names: [NAME], digest: image.index.desc.digest });
    expect(json.images[0]!.platforms).toHaveLength(7);
  });

  it('ferry imports a partial ctr --platform export: the complete platform is imported, the rest reported, exit 0', async () => {
    const ctrOut = join(dir, 'ctr-arm64.tar');
    containerd.ctr(['images', 'export', '--platform', 'linux/arm64', ctrOut, NAME]);
    const other = join(dir, 'store-partial');
    const result = await runFerry(['--root', other, 'import', '--all-platforms', '--json', ctrOut], { env: AMD64_HOST });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { images: { platforms: string[]; incomplete: { platform: string }[]; unpack: { reason: string } }[] };
    expect(json.images[0]!.platforms).toEqual(['linux/arm64/v8']);
    expect(json.images[0]!.incomplete.map((i) => i.platform).sort()).toEqual(
      ['linux/386', 'linux/amd64', 'linux/arm/v6', 'linux/arm/v7', 'linux/ppc64le', 'linux/s390x'].sort(),
    );
    // The host (amd64) is absent: nothing unpacked, the choice named, and no failure like containerd 2.0's.
    expect(json.images[0]!.unpack.reason).toBe('no compatible match for the host platform linux/amd64');
  });

  it('a ctr export of one platform can be unpacked by ferry for that platform', async () => {
    const ctrOut = join(dir, 'ctr-arm64.tar');
    const other = join(dir, 'store-arm64');
    const result = await runFerryJson<{ images: { unpack: { reason: string; outcome: { snapshot: string } } }[] }>(
      ['--root', other, 'import', '--platform', 'linux/arm64', ctrOut],
      { env: AMD64_HOST },
    );
    expect(result.images[0]!.unpack.reason).toMatch(/^linux\/arm64\/v8: /);
    expect(readFileSync(join(result.images[0]!.unpack.outcome.snapshot, 'app', 'linux-arm64-v8.txt'), 'utf8')).toContain('linux/arm64/v8');
  });

  it('manifest.json of a ferry export names the host platform image, as ctr does', async () => {
    const entries = await readTar(readFileSync(join(dir, 'ferry-export.tar')));
    const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.data.toString()) as { Config: string; RepoTags: string[] }[];
    expect(manifest).toEqual([expect.objectContaining({ Config: `blobs/sha256/${image.manifests[0]!.config.desc.digest.slice(7)}`, RepoTags: ['docker.io/library/roundtrip:1'] })]);
  });
});
