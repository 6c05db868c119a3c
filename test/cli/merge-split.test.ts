import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { verifyArchive } from '../../src/ops/verify-archive.js';
import { legacyDockerSaveTar, ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage } from '../helpers/image-builder.js';
import { readTar } from '../helpers/tar.js';
import { AMD64, ARM64, mergeTo, perArchArchive } from './airgap-fixtures.js';

const NAME = 'ghcr.io/ferry/app:1.0';
let dir: string;
let amd: Awaited<ReturnType<typeof perArchArchive>>;
let arm: Awaited<ReturnType<typeof perArchArchive>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-merge-'));
  amd = await perArchArchive(dir, NAME, AMD64);
  arm = await perArchArchive(dir, NAME, ARM64);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function topIndex(path: string): Promise<{ mediaType: string; manifests: { digest: string; platform?: unknown }[] }> {
  const entries = await readTar(readFileSync(path));
  const top = JSON.parse(entries.find((e) => e.name === 'index.json')!.data.toString()) as { manifests: { digest: string }[] };
  return JSON.parse(entries.find((e) => e.name === `blobs/sha256/${top.manifests[0]!.digest.slice(7)}`)!.data.toString());
}

async function failure(work: Promise<unknown>): Promise<unknown> {
  return work.then(() => undefined, (err: unknown) => err);
}

describe('ferry merge and split (CLI)', () => {
  it('merges per-architecture archives into one index that verify, import --all-platforms and split accept', async () => {
    const out = join(dir, 'merged.tar');
    const merged = await runFerryJson<{ images: { name: string; mediaType: string; platforms: string[] }[] }>(['merge', out, amd.path, arm.path]);
    expect(merged.images).toEqual([expect.objectContaining({ name: NAME, mediaType: MediaType.ociIndex, platforms: ['linux/amd64', 'linux/arm64'] })]);
    // The platform, only in each input's config, is now on the index entries.
    expect((await topIndex(out)).manifests).toEqual([
      { ...amd.image.manifests[0]!.desc, platform: AMD64 },
      { ...arm.image.manifests[0]!.desc, platform: ARM64 },
    ]);
    expect((await runFerry(['verify', out])).code).toBe(0);

    const imported = await runFerryJson<{ images: { names: string[]; platforms: string[]; incomplete: unknown[] }[] }>(['--root', join(dir, 'far'), 'import', '--all-platforms', '--no-unpack', out]);
    expect(imported.images).toEqual([expect.objectContaining({ names: [NAME], platforms: ['linux/amd64', 'linux/arm64'], incomplete: [] })]);

    const split = join(dir, 'split-arm64.tar');
    await runFerryJson(['split', out, '--platform', 'linux/arm64', '-o', split]);
    expect((await topIndex(split)).manifests.map((m) => m.digest)).toEqual([arm.image.manifests[0]!.desc.digest]);
    expect((await verifyArchive(split)).complete).toBe(true);
  });

  it('fails on two different images for one platform, with a hint, and writes nothing', async () => {
    const other = await perArchArchive(dir, NAME, AMD64, { seed: 'rebuilt' });
    const out = join(dir, 'conflict.tar');
    const failed = await runFerry(['merge', out, amd.path, other.path]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/both hold linux\/amd64.*--prefer first or --prefer last.*\(ERR_CONFLICT\)/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('mergeArchives', () => {
  it('drops a manifest two inputs share, and keeps an input index unchanged when nothing merges into it', async () => {
    const dup = await mergeTo(join(dir, 'dup.tar'), [amd.path, amd.path]);
    expect(dup.images[0]!.platforms).toEqual(['linux/amd64']);
    expect(dup.images[0]!.dropped).toEqual([expect.objectContaining({ reason: 'duplicate' })]);

    const all = join(dir, 'all.tar');
    const first = await mergeTo(all, [amd.path, arm.path]);
    const again = await mergeTo(join(dir, 'again.tar'), [all]);
    expect(again.images[0]).toEqual(expect.objectContaining({ unchanged: true, digest: first.images[0]!.digest }));
  });

  it.each([{ prefer: 'first' as const }, { prefer: 'last' as const }])('--prefer $prefer keeps one manifest per platform', async ({ prefer }) => {
    const other = await perArchArchive(dir, NAME, AMD64, { seed: 'rebuilt' });
    const [winner, loser] = prefer === 'first' ? [amd, other] : [other, amd];
    const out = join(dir, `prefer-${prefer}.tar`);
    const result = await mergeTo(out, [amd.path, other.path, arm.path], { prefer });
    expect((await topIndex(out)).manifests.map((m) => m.digest)).toEqual([winner.image.manifests[0]!.desc.digest, arm.image.manifests[0]!.desc.digest]);
    expect(result.images[0]!.dropped).toEqual([expect.objectContaining({ reason: 'conflict', input: loser.path })]);
  });

  it('merges docker save archives by their RepoTags into an OCI index, and renames with --name', async () => {
    const paths = await Promise.all(
      [AMD64, ARM64].map(async (platform, i) => {
        const image = await buildImage({ platforms: [platform], format: 'docker', compression: 'none', seed: 'docker' });
        const path = join(dir, `docker-${i}.tar`);
        writeFileSync(path, await legacyDockerSaveTar(image.manifests[0]!, { repoTags: ['team/tool:2'] }));
        return path;
      }),
    );
    const out = join(dir, 'docker-merged.tar');
    const merged = await mergeTo(out, paths);
    expect(merged.images).toEqual([expect.objectContaining({ name: 'docker.io/team/tool:2', mediaType: MediaType.ociIndex, platforms: ['linux/amd64', 'linux/arm64'] })]);
    expect((await verifyArchive(out)).complete).toBe(true);

    const renamed = await mergeTo(join(dir, 'renamed.tar'), [paths[0]!, arm.path], { name: 'registry.local/tool:all' });
    expect(renamed.images.map((i) => [i.name, i.platforms])).toEqual([['registry.local/tool:all', ['linux/amd64', 'linux/arm64']]]);
  });

  it('asks for --name when an input image has only a tag', async () => {
    const image = await buildImage({ platforms: [AMD64] });
    const path = join(dir, 'tag-only.tar');
    writeFileSync(path, await ociLayoutTar({ images: [{ image, refName: '1.0' }] }));
    const err = await failure(mergeTo(join(dir, 'never.tar'), [path]));
    expect(isFerryError(err, 'ERR_USAGE')).toBe(true);
    expect((err as Error).message).toMatch(/has only the tag "1.0"/);
  });

  it('refuses an input with an incomplete platform, naming the missing blob', async () => {
    const image = await buildImage({ platforms: [AMD64, ARM64], seed: 'partial' });
    const layer = image.manifests[1]!.layers[1]!.desc.digest;
    const path = join(dir, 'partial.tar');
    writeFileSync(path, await ociLayoutTar({ images: [{ image, containerdName: NAME }], omit: new Set([layer]) }));
    const err = await failure(mergeTo(join(dir, 'never.tar'), [path]));
    expect(isFerryError(err, 'ERR_INCOMPLETE')).toBe(true);
    expect((err as Error).message).toContain(layer);
  });

  it('refuses an incomplete input in either order, even when another input carries the blob it lacks', async () => {
    const image = await buildImage({ platforms: [AMD64, ARM64], seed: 'lacks' });
    const layer = image.manifests[1]!.layers[1]!.desc.digest;
    const partial = join(dir, 'lacks.tar');
    const whole = join(dir, 'whole.tar');
    writeFileSync(partial, await ociLayoutTar({ images: [{ image, containerdName: NAME }], omit: new Set([layer]) }));
    writeFileSync(whole, await ociLayoutTar({ images: [{ image, containerdName: 'ghcr.io/ferry/other:1.0' }] }));
    for (const inputs of [[partial, whole], [whole, partial]]) {
      const err = await failure(mergeTo(join(dir, 'never.tar'), inputs));
      expect(isFerryError(err, 'ERR_INCOMPLETE'), String(err)).toBe(true);
      expect((err as Error).message).toContain(`${partial} has no complete content for linux/arm64 (missing ${layer}`);
    }
  });
});
