// Producer → ferry (Debian packages skopeo, umoci, containerd, docker.io, podman, buildah; needs root): every
// archive of the corpus, in every import mode, gives the names, platforms and digests its producing tool
// reports, and the unpacked rootfs equals umoci's unpack of the same platform entry by entry.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it, type ExpectStatic } from 'vitest';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { tempDir, type TempDir } from '../helpers/temp-dir.js';
import { loadCorpus, CORPUS_NEEDS, type Corpus } from './corpus/corpus.js';
import type { CorpusArchive } from './corpus/corpus-archive.js';
import { IMPORT_MODES, keptPlatforms, MATRIX_HOST, type ImportMode } from './corpus/import-expectations.js';
import { CORPUS_REPO } from './corpus/source-layout.js';
import { describeInterop, missingNeed } from './harness/requirements.js';
import { diffTrees, readTree, type Tree } from './harness/rootfs-tree.js';

interface ImportJson {
  images: {
    names: string[];
    digest: string;
    platforms: string[];
    incomplete: { platform: string }[];
    unpack?: { reason: string; outcome?: { snapshot: string } };
  }[];
  notImported?: { names: string[]; platforms: string[] }[];
}

interface InspectJson {
  images: { manifests: { platform: string; config?: { digest: string } }[] }[];
}

const corpus: Corpus | undefined = missingNeed(CORPUS_NEEDS) ? undefined : await loadCorpus();
const cases = (corpus?.archives ?? []).flatMap((archive) => IMPORT_MODES.map((mode) => ({ archive, mode, label: `${archive.id} | ${mode.name}` })));
const env = { FERRY_PLATFORM: MATRIX_HOST };

/** umoci's repack added one file to the amd64 image. */
function referenceFor(c: Corpus, archive: CorpusArchive, name: string, label: string): Tree {
  const reference = c.references[label]!;
  if (!(archive.id.startsWith('umoci') && name.endsWith(':repacked'))) return reference;
  return {
    ...reference,
    'data/umoci.txt': { type: 'file', mode: 0o644, uid: 0, gid: 0, size: 18, sha256: '236d66d055e11a3c9dfdded0f8de663110c07c77636d394a5eb79bf7609944a7' },
  };
}

/** ferry inspect of the archive shows each platform with the config digest the producing tool reports. */
async function expectConfigs(archive: CorpusArchive, expect: ExpectStatic): Promise<void> {
  const json = await runFerryJson<InspectJson>(['inspect', archive.file]);
  const configs = json.images.flatMap((i) => i.manifests.map((m) => `${m.platform} ${m.config?.digest}`));
  // A partial archive lists every platform of its index; the tool's platforms must be among them.
  for (const line of archive.images.flatMap((i) => i.platforms.map((p) => `${p.label} ${p.config}`))) expect(configs, archive.recipe.join('\n')).toContain(line);
}

describeInterop('producer archives → ferry import', CORPUS_NEEDS, () => {
  let tmp: TempDir;
  beforeAll(async () => {
    tmp = await tempDir('ferry-import-matrix-');
  });
  afterAll(() => tmp?.cleanup());

  it('the corpus holds every tool archive the issue lists', () => {
    expect(corpus!.archives.map((a) => a.id)).toEqual([
      'skopeo oci-archive (index)',
      'skopeo docker-archive',
      'skopeo oci-archive, zstd layers',
      'skopeo --format v2s2',
      'umoci layout tar',
      'umoci layout tar with ./',
      'ctr export --all-platforms',
      'ctr export --platform (partial)',
      'docker save',
      'docker save, two tags',
      'docker save, two platforms',
      'docker save by image ID',
      'podman save',
      'podman save --format oci-archive',
      'podman save --multi-image-archive',
      'podman manifest push --all',
      'buildah push oci-archive',
      'buildah push docker-archive',
    ]);
    process.stderr.write(`corpus: ${corpus!.archives.length} archives, built in ${corpus!.buildSeconds} s (0: cached)\n`);
  });

  // Each case has its own store: they run concurrently (the machine's cores, not one ferry process, are the limit).
  it.concurrent.for(cases)('$label', { timeout: 240_000 }, async ({ archive, mode }: { archive: CorpusArchive; mode: ImportMode }, { expect }) => {
    const recipe = `recipe:\n${archive.recipe.join('\n')}`;
    const root = join(tmp.dir, `${cases.findIndex((c) => c.archive === archive && c.mode === mode)}`);
    const args = ['--root', root, 'import', '--base-name', CORPUS_REPO, ...mode.args, archive.file];
    const imported = archive.images.filter((i) => keptPlatforms(i, mode).length > 0);
    if (imported.length === 0) {
      const result = await runFerry(args, { env });
      expect(result.code, recipe).toBe(1);
      expect(result.stderr.trim().split('\n'), recipe).toHaveLength(1);
      // A partial archive holds the host's manifest without its blobs: that is incomplete, not a platform question.
      expect(result.stderr, recipe).toContain(archive.id.includes('partial') ? '(ERR_INCOMPLETE)' : '(ERR_PLATFORM_NOT_FOUND)');
      // The hint names what the images have, as their producing tool reports it.
      for (const image of archive.images) for (const p of image.platforms) expect(result.stderr, recipe).toContain(p.label);
      return;
    }
    const result = await runFerry([...args, '--json'], { env });
    expect(result.code, `${recipe}\n${result.stderr}`).toBe(0);
    // "Never exit 0 with partial work": a run that stops early must not look like success.
    expect(result.stdout, `${recipe}\nferry exited 0 without output`).not.toBe('');
    const json = JSON.parse(result.stdout) as ImportJson;
    if (mode.name === '--all-platforms') await expectConfigs(archive, expect);
    expect(json.images, recipe).toHaveLength(imported.length);
    // The images without the platform are listed, not imported, and the import still succeeds.
    expect(json.notImported ?? [], recipe).toHaveLength(archive.images.length - imported.length);
    for (const expected of imported) {
      const names = expected.names.length > 0 ? expected.names : [];
      const got = json.images.find((i) => (names.length > 0 ? i.names.includes(names[0]!) : i.names[0]!.includes('@sha256:')));
      expect(got, `${recipe}\nferry: ${JSON.stringify(json.images.map((i) => i.names))}`).toBeDefined();
      // By image ID docker save writes no name: ferry names the image by --base-name and its digest.
      expect([...got!.names].sort(), recipe).toEqual(names.length > 0 ? [...names].sort() : [`${CORPUS_REPO}@${got!.digest}`]);
      if (expected.digest) expect(got!.digest, recipe).toBe(expected.digest);
      const kept = keptPlatforms(expected, mode);
      const partial = archive.id.includes('partial') && mode.name === '--all-platforms';
      expect([...got!.platforms].sort(), recipe).toEqual([...kept].sort());
      if (partial) expect(got!.incomplete.map((i) => i.platform).sort(), recipe).toEqual(corpus!.source.manifests.map((m) => m.label).filter((l) => !kept.includes(l)).sort());
      const unpacked = mode.unpacks(kept);
      if (!unpacked) {
        expect(got!.unpack?.reason, recipe).toMatch(/^no compatible match/);
        continue;
      }
      expect(got!.unpack?.reason, recipe).toMatch(new RegExp(`^${unpacked}: `));
      const tree = await readTree(got!.unpack!.outcome!.snapshot);
      expect(diffTrees(tree, referenceFor(corpus!, archive, got!.names[0]!, unpacked)), recipe).toEqual([]);
    }
  });
});
