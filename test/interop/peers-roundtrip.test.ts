// Interop with skopeo and umoci (Debian packages `skopeo`, `umoci`): archives they write import into ferry
// with digests intact, and ferry's exports are read by skopeo both as oci-archive (all platforms) and as
// docker-archive (one platform).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { describeInterop } from './harness/requirements.js';
import { run } from './harness/tools.js';

const NAME = 'docker.io/library/peers:2';
const AMD64_HOST = { FERRY_PLATFORM: 'linux/amd64' };

interface ImportJson {
  format: string;
  images: { names: string[]; digest: string; platforms: string[]; unpack?: { reason: string } }[];
}

describeInterop('skopeo interop', [{ debianPackage: 'skopeo', tools: ['skopeo'] }], () => {
  let dir: string;
  let root: string;
  let image: BuiltImage;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-peers-'));
    root = join(dir, 'store');
    image = await buildImage({ platforms: FOUR_PLATFORMS, seed: 'peers' });
    writeFileSync(join(dir, 'source.tar'), await ociLayoutTar({ images: [{ image, containerdName: NAME, refName: '2' }] }));
    const imported = await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', join(dir, 'source.tar')]);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a skopeo oci-archive of all platforms with the same index digest', async () => {
    const archive = join(dir, 'skopeo-oci.tar');
    // The store root is an OCI layout: skopeo reads it directly.
    run('skopeo', ['copy', '--all', '--preserve-digests', `oci:${root}:${NAME}`, `oci-archive:${archive}:${NAME}`]);
    const json = await runFerryJson<ImportJson>(['--root', join(dir, 'from-skopeo'), 'import', '--all-platforms', archive], { env: AMD64_HOST });
    expect(json.images[0]!.digest).toBe(image.index.desc.digest);
    expect(json.images[0]!.names).toEqual([NAME]);
    expect(json.images[0]!.platforms).toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'linux/arm/v6']);
  });

  it('imports a skopeo docker-archive (one platform) and unpacks it', async () => {
    const archive = join(dir, 'skopeo-docker.tar');
    run('skopeo', ['copy', '--override-arch', 'arm64', `oci:${root}:${NAME}`, `docker-archive:${archive}:peers:arm64`]);
    const json = await runFerryJson<ImportJson>(['--root', join(dir, 'from-docker'), 'import', '--platform', 'linux/arm64', archive], { env: AMD64_HOST });
    expect(json.format).toBe('docker-legacy');
    expect(json.images[0]!.names).toEqual(['docker.io/library/peers:arm64']);
    expect(json.images[0]!.platforms).toEqual(['linux/arm64/v8']);
    expect(json.images[0]!.unpack!.reason).toMatch(/^linux\/arm64\/v8: /);
  });

  it('ferry exports are read by skopeo: oci-archive with every platform, docker-archive with the host one', async () => {
    const out = join(dir, 'ferry.tar');
    const exported = await runFerry(['--root', root, 'export', '--all-platforms', out, NAME], { env: AMD64_HOST });
    expect(exported.code, exported.stderr).toBe(0);
    const raw = run('skopeo', ['inspect', '--raw', `oci-archive:${out}:2`]);
    expect(raw).toBe(image.index.bytes.toString());
    const layout = join(dir, 'copied');
    run('skopeo', ['copy', '--all', '--preserve-digests', `oci-archive:${out}:2`, `oci:${layout}:x`]);
    const copiedIndex = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    expect(copiedIndex.manifests[0]!.digest).toBe(image.index.desc.digest);
    const docker = JSON.parse(run('skopeo', ['inspect', `docker-archive:${out}`])) as { Architecture: string; Layers: string[] };
    expect(docker.Architecture).toBe('amd64');
    // skopeo's docker-archive transport names layers by their uncompressed digests.
    expect(docker.Layers).toEqual(image.manifests[0]!.layers.map((l) => l.diffID));
  });

  it('two exports of the same store are byte-identical', async () => {
    const a = join(dir, 'a.tar');
    const b = join(dir, 'b.tar');
    for (const out of [a, b]) expect((await runFerry(['--root', root, 'export', '--all-platforms', out, NAME])).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('--platform export rewrites the index so the archive is complete, and says so', async () => {
    const out = join(dir, 'arm.tar');
    const json = await runFerryJson<{ images: { digest: string; originalDigest: string; platforms: string[] }[] }>(
      ['--root', root, 'export', '--platform', 'linux/arm/v7', out, NAME],
      { env: AMD64_HOST },
    );
    expect(json.images[0]!.originalDigest).toBe(image.index.desc.digest);
    expect(json.images[0]!.digest).not.toBe(image.index.desc.digest);
    expect(json.images[0]!.platforms).toEqual(['linux/arm/v7']);
    const copied = join(dir, 'arm-copied');
    run('skopeo', ['copy', '--all', `oci-archive:${out}:2`, `oci:${copied}:x`]);
    const again = await runFerryJson<ImportJson>(['--root', join(dir, 'arm-store'), 'import', '--all-platforms', '--no-unpack', out]);
    expect(again.images[0]!.platforms).toEqual(['linux/arm/v7']);
  });
});

describeInterop('umoci interop', [{ debianPackage: 'umoci', tools: ['umoci'] }], () => {
  it('imports a layout umoci built (a lone manifest, platform from its config) and unpacks it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-umoci-'));
    try {
      const layout = join(dir, 'layout');
      run('umoci', ['init', '--layout', layout]);
      run('umoci', ['new', '--image', `${layout}:v1`]);
      // `umoci insert` (0.4.7) writes a layer without the tar end blocks, which GNU tar and ferry both reject
      // as truncated; unpack + repack writes a proper layer.
      const bundle = join(dir, 'bundle');
      run('umoci', ['unpack', '--image', `${layout}:v1`, bundle]);
      writeFileSync(join(bundle, 'rootfs', 'hello.txt'), 'hello from umoci\n');
      run('umoci', ['repack', '--image', `${layout}:v1`, bundle]);
      execFileSync('tar', ['-C', layout, '-cf', join(dir, 'umoci.tar'), '.']);
      const json = await runFerryJson<ImportJson & { images: { unpack: { outcome: { snapshot: string } } }[] }>(
        ['--root', join(dir, 'store'), 'import', '--base-name', 'example.com/umoci', join(dir, 'umoci.tar')],
        { env: AMD64_HOST },
      );
      expect(json.images[0]!.names).toEqual(['example.com/umoci:v1']);
      expect(json.images[0]!.platforms).toEqual(['linux/amd64']);
      expect(readFileSync(join(json.images[0]!.unpack.outcome.snapshot, 'hello.txt'), 'utf8')).toBe('hello from umoci\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
