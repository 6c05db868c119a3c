import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MediaType } from '../../src/oci/mediatypes.js';
import { digestOf } from '../../src/oci/digest.js';
import { checkStore } from '../../src/store/fsck.js';
import { Store } from '../../src/store/index.js';
import { buildImage, type BuiltImage, type BuiltManifest, mediaTypes, putManifest } from '../helpers/image-builder.js';

/** A pid no process can have (above Linux's pid_max limit of 2^22). */
const DEAD_PID = 99_999_999;
const HEX16 = '0123456789abcdef';

describe('checkStore (ferry fsck)', () => {
  let dir: string;
  let store: Store;
  let image: BuiltImage;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-fsck-'));
    store = await Store.open(join(dir, 'store'));
    image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }] });
    // Only amd64's blobs: the index also names arm64, whose blobs are absent as after a platform-filtered import.
    const keep = [image.index.desc, image.manifests[0]!.desc, image.manifests[0]!.config.desc, ...image.manifests[0]!.layers.map((l) => l.desc)];
    for (const desc of keep) await store.write(desc, Readable.from([image.content.blobs.get(desc.digest)!]));
    await store.putImages([{ name: 'example.com/app:1', target: image.index.desc }]);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a partial but sound store clean, listing the absent platform as absent rather than a problem', async () => {
    const result = await checkStore(store.paths);
    expect(result.problems).toEqual([]);
    expect(result.checkedBlobs).toBe(5);
    expect(result.checkedRecords).toBe(1);
    expect(result.absent).toEqual([image.manifests[1]!.desc.digest]);
  });

  it('removes a blob whose content does not match its name and reports the image that needs it', async () => {
    const layer = image.manifests[0]!.layers[1]!.desc;
    await writeFile(store.blobPath(layer.digest), Buffer.alloc(layer.size, 0x41));
    const result = await checkStore(store.paths);
    expect(result.removedBlobs).toEqual([layer.digest]);
    expect(result.problems).toEqual([expect.objectContaining({ kind: 'corrupt-blob', digest: layer.digest })]);
    expect(result.problems[0]!.message).toContain('example.com/app:1');
    await expect(stat(store.blobPath(layer.digest))).rejects.toThrow(/ENOENT/);
  });

  it('removes a corrupt blob no image needs without calling it a problem', async () => {
    const stray = digestOf('stray');
    await mkdir(join(store.paths.blobs, 'sha256'), { recursive: true });
    await writeFile(store.blobPath(stray), 'not stray');
    const result = await checkStore(store.paths);
    expect(result.removedBlobs).toEqual([stray]);
    expect(result.problems).toEqual([]);
  });

  it.each([
    ['missing-target', async (s: Store, img: BuiltImage) => rm(s.blobPath(img.index.desc.digest))],
    ['size-mismatch', async (s: Store, img: BuiltImage) => {
      // The config's content and name agree (re-hash passes) but a manifest's descriptor says another size.
      const manifest = JSON.parse(img.manifests[0]!.bytes.toString());
      manifest.config = { ...manifest.config, size: manifest.config.size + 1 };
      const bytes = Buffer.from(JSON.stringify(manifest));
      const desc = { mediaType: MediaType.ociManifest, digest: digestOf(bytes), size: bytes.length };
      await s.write(desc, Readable.from([bytes]));
      await s.putImages([{ name: 'example.com/app:size', target: desc }]);
    }],
    ['unreadable-document', async (s: Store) => {
      const bytes = Buffer.from('{"schemaVersion": 2, "layers": "no"}');
      const desc = { mediaType: MediaType.ociManifest, digest: digestOf(bytes), size: bytes.length };
      await s.write(desc, Readable.from([bytes]));
      await s.putImages([{ name: 'example.com/app:broken', target: desc }]);
    }],
    ['unreadable-index', async (s: Store) => writeFile(s.paths.index, '{"manifests": 7}')],
  ] as const)('reports %s and exits unclean', async (kind, damage) => {
    await damage(store, image);
    const result = await checkStore(store.paths);
    expect(result.problems.map((p) => p.kind)).toEqual([kind]);
  });

  it.each(['gzip', 'zstd', 'none'] as const)('reports a %s layer whose config claims another diffID (every blob intact)', async (compression) => {
    const built = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], compression, padding: 1024 * 1024, seed: `fsck-${compression}` });
    const [amd, arm] = built.manifests as [BuiltManifest, BuiltManifest];
    const lying = putManifest(built.content, mediaTypes('oci', compression), amd.platform, [amd.layers[0]!, { ...amd.layers[1]!, diffID: arm.layers[1]!.diffID }], ['ADD base', 'ADD lie']);
    for (const desc of [lying.desc, lying.config.desc, ...lying.layers.map((l) => l.desc)]) await store.write(desc, Readable.from([built.content.blobs.get(desc.digest)!]));
    await store.putImages([{ name: 'example.com/app:lie', target: lying.desc }]);
    const result = await checkStore(store.paths);
    const layer = amd.layers[1]!.desc.digest;
    expect(result.problems).toEqual([
      {
        kind: 'diffid-mismatch',
        digest: layer,
        message: `image example.com/app:lie: layer 2 of 2 ${layer} decompresses to diffID ${amd.layers[1]!.diffID}, but the config's rootfs.diff_ids says ${arm.layers[1]!.diffID}`,
      },
    ]);
    expect(result.removedBlobs).toEqual([]);
  });

  it('removes leftovers of dead ferry processes and keeps those of live ones', async () => {
    const snapshots = join(store.root, 'snapshots');
    const dead = [
      join(store.paths.ingest, `blob-${DEAD_PID}-${HEX16}`),
      join(store.paths.ingest, `stage-${DEAD_PID}-${HEX16}`),
      join(store.paths.ingest, `stage-${DEAD_PID}-${HEX16}.lock`),
      join(store.root, `.index.json.tmp-${DEAD_PID}-${HEX16}`),
      join(snapshots, `tmp-${DEAD_PID}-${HEX16}`),
    ];
    const live = [join(store.paths.ingest, `blob-${process.pid}-${HEX16}`), join(store.paths.ingest, `stage-${process.pid}-${HEX16}`)];
    await mkdir(join(dead[1]!, 'blobs', 'sha256'), { recursive: true });
    await mkdir(dead[2]!);
    await mkdir(join(dead[4]!, 'etc'), { recursive: true });
    await mkdir(live[1]!);
    for (const file of [dead[0]!, dead[3]!, live[0]!]) await writeFile(file, 'partial');
    const result = await checkStore(store.paths);
    expect(result.removedTemp.sort()).toEqual([...dead].sort());
    expect(result.problems).toEqual([]);
    expect((await readdir(store.paths.ingest)).sort()).toEqual([`blob-${process.pid}-${HEX16}`, `stage-${process.pid}-${HEX16}`]);
    expect(await readdir(snapshots)).toEqual([]);
  });
});
