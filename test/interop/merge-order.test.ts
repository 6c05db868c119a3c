/**
 * `ferry merge A B` and `ferry merge B A` write the same bytes (issue 16, behaviour 9), on archives real tools
 * wrote: the interop corpus's `docker save` (linux/amd64), skopeo docker-archive (linux/arm64/v8), podman
 * `--multi-image-archive` (both), and skopeo's and ctr's 7-platform archives of one image. Needs the corpus's tools (skopeo, umoci,
 * containerd, docker.io, podman, buildah); locally skipped naming the package, failing under CI=true.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runFerryJson } from '../helpers/cli.js';
import { readTar } from '../helpers/tar.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { CORPUS_NEEDS, loadCorpus, type Corpus } from './corpus/corpus.js';
import { describeInterop, missingNeed } from './harness/requirements.js';

interface MergeJson {
  images: { name: string; digest: string; platforms: string[]; dropped: { input?: string; reason: string }[] }[];
}

const corpus: Corpus | undefined = missingNeed(CORPUS_NEEDS) ? undefined : await loadCorpus();
const archive = (id: string) => corpus!.archives.find((a) => a.id === id)!.file;

let tmp: TempDir;
let merges = 0;
beforeAll(async () => {
  tmp = await tempDir('ferry-merge-order-');
});
afterAll(() => tmp?.cleanup());

/** Merges `inputs` into a new file; returns the JSON result and the archive's sha256. */
async function merge(inputs: string[], extra: string[] = []): Promise<{ json: MergeJson; sha256: string; path: string }> {
  const path = join(tmp.dir, `merged-${++merges}.tar`);
  const json = await runFerryJson<MergeJson>(['--root', join(tmp.dir, 'store'), 'merge', ...extra, path, ...inputs]);
  return { json, sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), path };
}

/** The top index of the one image in a merged archive: its manifests' platforms, as written. */
async function indexPlatforms(path: string): Promise<string[]> {
  const entries = await readTar(readFileSync(path));
  const index = JSON.parse(entries.find((e) => e.name === 'index.json')!.data.toString()) as { manifests: { digest: string }[] };
  const top = entries.find((e) => e.name === `blobs/sha256/${index.manifests[0]!.digest.slice(7)}`)!;
  const manifests = (JSON.parse(top.data.toString()) as { manifests: { platform: { os: string; architecture: string } }[] }).manifests;
  return manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`);
}

describeInterop('merge output does not depend on the order of its inputs', CORPUS_NEEDS, () => {
  it('docker save (amd64) + skopeo docker-archive (arm64) under one --name: the same bytes either way', async () => {
    const name = ['--name', 'docker.io/ferry/corpus:merged'];
    const inputs = [archive('docker save'), archive('skopeo docker-archive')];
    const forward = await merge(inputs, name);
    const backward = await merge([...inputs].reverse(), name);
    expect(backward.sha256).toBe(forward.sha256);
    expect(forward.json.images).toEqual(backward.json.images);
    expect(forward.json.images).toEqual([expect.objectContaining({ name: 'docker.io/ferry/corpus:merged', platforms: ['linux/amd64', 'linux/arm64/v8'] })]);
    expect(await indexPlatforms(forward.path)).toEqual(['linux/amd64', 'linux/arm64']);
  });

  it('podman multi-image + skopeo oci-archive + ctr export of the same image: one archive in every order', async () => {
    const inputs = [archive('podman save --multi-image-archive'), archive('skopeo oci-archive (index)'), archive('ctr export --all-platforms')];
    const orders = [inputs, [inputs[2]!, inputs[0]!, inputs[1]!], [...inputs].reverse()];
    const merged = [];
    for (const order of orders) merged.push(await merge(order));
    expect(new Set(merged.map((m) => m.sha256)).size).toBe(1);
    // Which input a duplicate came from is the only thing that follows the order; the images do not.
    const withoutInputs = (json: MergeJson) => json.images.map((i) => ({ ...i, dropped: i.dropped.map((d) => ({ ...d, input: undefined })) }));
    for (const m of merged) expect(withoutInputs(m.json)).toEqual(withoutInputs(merged[0]!.json));
    const images = merged[0]!.json.images;
    expect(images.map((i) => i.name)).toEqual(['docker.io/ferry/corpus:amd64', 'docker.io/ferry/corpus:arm64', 'docker.io/ferry/corpus:multi']);
    const multi = images[2]!;
    expect(multi.platforms).toEqual(['linux/386', 'linux/amd64', 'linux/arm/v5', 'linux/arm/v7', 'linux/arm64/v8', 'linux/ppc64le', 'linux/s390x']);
    expect(multi.dropped.map((d) => d.reason)).toEqual(Array(7).fill('duplicate'));
  });
});
