// ferry verify on every archive of the corpus (Debian packages skopeo, umoci, containerd, docker.io, podman, buildah;
// needs root): each one's present layers decompress (gzip, zstd, plain) to the diffIDs their configs claim, the
// partial ctr export is reported partial, not failed, and a docker save whose config swaps two diffIDs
// (every file intact) fails from a file and from stdin.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { verifyArchive } from '../../src/ops/verify-archive.js';
import { runFerry } from '../helpers/cli.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { CORPUS_NEEDS, loadCorpus, type Corpus } from './corpus/corpus.js';
import { describeInterop, missingNeed } from './harness/requirements.js';

const corpus: Corpus | undefined = missingNeed(CORPUS_NEEDS) ? undefined : await loadCorpus();
const archives = corpus?.archives ?? [];
const PARTIAL = 'ctr export --platform (partial)';

describeInterop('ferry verify on producer archives: diffIDs', CORPUS_NEEDS, () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir('ferry-verify-corpus-');
  });
  afterAll(() => tmp?.cleanup());

  it.each(archives.map((a) => ({ archive: a, id: a.id })))('$id: every present layer has its config diffID', async ({ archive }) => {
    const result = await verifyArchive(archive.file);
    const layers = result.images.flatMap((i) => i.manifests.flatMap((m) => m.layers));
    const present = new Set(layers.filter((l) => l.state === 'present').map((l) => l.digest));
    expect(present.size, archive.recipe.join('\n')).toBeGreaterThan(0);
    expect(result.diffIDs.checked).toBe(layers.filter((l) => l.state === 'present').length);
    if (archive.id === PARTIAL) {
      // The other platforms' manifests are absent, so there are no configs (and no layers) of theirs to check.
      expect(result.complete).toBe(false);
    } else {
      expect(result.complete, archive.recipe.join('\n')).toBe(true);
    }
    expect(result.diffIDs.unchecked).toEqual([]);
  }, 120_000);

  it('the CLI says how many diffIDs it verified (skopeo zstd oci-archive)', async () => {
    const archive = archives.find((a) => a.id === 'skopeo oci-archive, zstd layers')!;
    const cli = await runFerry(['verify', archive.file], { timeoutMs: 120_000 });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/: complete; \d+ files, \d+ bytes, every file's digest verified, \d+ layer diffIDs verified\n/);
  }, 120_000);

  it('docker save with two diffIDs swapped in its config fails, from a file and from stdin', async () => {
    const saved = await readFile(archives.find((a) => a.id === 'docker save')!.file);
    // Same length, so the tar stays well-formed; the config's file name is not its digest in this format.
    const at = saved.indexOf('"diff_ids":["') + '"diff_ids":["'.length;
    const width = 'sha256:'.length + 64;
    const first = saved.subarray(at, at + width).toString();
    const second = saved.subarray(at + width + 3, at + 2 * width + 3).toString();
    expect([first, second].every((d) => /^sha256:[0-9a-f]{64}$/.test(d))).toBe(true);
    const tampered = Buffer.from(saved);
    tampered.write(second, at);
    tampered.write(first, at + width + 3);
    const path = join(tmp.dir, 'swapped.tar');
    await writeFile(path, tampered);

    const err = await verifyArchive(path).then(() => undefined, (e: unknown) => e);
    expect(isFerryError(err, 'ERR_DIGEST_MISMATCH')).toBe(true);
    expect((err as Error).message).toContain(`(linux/amd64): layer 1 of `);
    expect((err as Error).message).toContain(`decompresses to diffID ${first}, but the config's rootfs.diff_ids says ${second}`);
    for (const [args, stdin] of [[['verify', path]], [['verify', '-'], tampered]] as const) {
      const cli = await runFerry([...args], { timeoutMs: 120_000, ...(stdin ? { stdin } : {}) });
      expect(cli.code).toBe(1);
      expect(cli.stderr).toMatch(/^ferry: image ferry\/corpus:amd64 \(linux\/amd64\): layer 1 of \d+ sha256:[0-9a-f]{64} decompresses to diffID .*\(ERR_DIGEST_MISMATCH\)\n$/);
    }
  }, 120_000);
});
