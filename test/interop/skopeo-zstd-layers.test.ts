// Needs the Debian package `skopeo` (required in CI, skipped locally without it).
// skopeo's `--dest-compress-format zstd` rewrites every layer as zstd, as registries and CI pipelines do. ferry must
// import such an archive into an empty store and unpack it completely: the same tree, file by file, as its gzip twin.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry } from '../helpers/cli.js';
import { buildRealisticImage, REALISTIC_BIG_FILE } from '../helpers/realistic-image.js';
import { treeLines } from '../helpers/tree-digest.js';
import { describeInterop, SKOPEO_NEED } from './harness/requirements.js';
import { run } from './harness/tools.js';

const HOST = { FERRY_PLATFORM: 'linux/amd64' };
const NAME = 'example.com/skopeo/zstd:1';

describeInterop('skopeo copy --dest-compress-format zstd, imported and unpacked by ferry', [SKOPEO_NEED], () => {
  let dir: string;
  let gzipTar: string;
  let zstdTar: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-skopeo-zstd-layers-'));
    const image = await buildRealisticImage({ compression: 'gzip', bigFileBytes: 6 * 1024 * 1024, smallFiles: 400 });
    gzipTar = join(dir, 'gzip.tar');
    zstdTar = join(dir, 'zstd.tar');
    await writeFile(gzipTar, await ociLayoutTar({ images: [{ image, containerdName: NAME, refName: '1' }] }));
    run('skopeo', ['copy', '-q', `oci-archive:${gzipTar}:1`, `oci-archive:${zstdTar}:1`, '--dest-compress-format', 'zstd']);
  }, 120_000);

  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('imports the zstd-layer archive into an empty store and unpacks the same tree as the gzip twin, file by file', async () => {
    const trees: string[][] = [];
    for (const archive of [gzipTar, zstdTar]) {
      const root = await mkdtemp(join(dir, 'store-'));
      const imported = await runFerry(['--root', root, 'import', '--json', archive], { env: HOST, timeoutMs: 120_000 });
      expect(imported.code, imported.stderr).toBe(0);
      const listed = await runFerry(['--root', root, 'images', 'ls', '--json'], { env: HOST });
      expect(listed.stdout).toContain('sha256:');
      const inspected = await runFerry(['--root', root, 'inspect', archive], { env: HOST });
      expect(inspected.code, inspected.stderr).toBe(0);
      if (archive === zstdTar) expect(inspected.stdout).toContain('zstd');
      trees.push(await treeLines(JSON.parse(imported.stdout).images[0].unpack.outcome.snapshot));
    }
    const [fromGzip, fromZstd] = trees;
    expect(fromGzip!.some((l) => l.startsWith(`f ${REALISTIC_BIG_FILE} 755 ${6 * 1024 * 1024} `))).toBe(true);
    expect(fromGzip!.length).toBeGreaterThan(400);
    expect(fromZstd).toEqual(fromGzip);
  }, 240_000);
});
