import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';
import { CONTAINERD_NEED, startContainerd } from '../harness/containerd.js';
import { BUILDAH_NEED, openContainersStorage, PODMAN_NEED } from '../harness/containers-storage.js';
import { DOCKER_NEED, startDockerd } from '../harness/dockerd.js';
import type { ToolNeed } from '../harness/requirements.js';
import { readTree, type Tree } from '../harness/rootfs-tree.js';
import { run } from '../harness/tools.js';
import { fetchBusybox } from './busybox-debs.js';
import type { CorpusArchive } from './corpus-archive.js';
import { CORPUS_PLATFORMS } from './platforms.js';
import { writeSourceLayout, type SourceLayout } from './source-layout.js';
import {
  buildahArchives,
  ctrArchives,
  dockerArchives,
  perPlatformDockerArchives,
  podmanArchives,
  skopeoArchives,
  umociArchives,
} from './tool-archives.js';

/** Everything the corpus needs: the tools that write its archives and the apt tools that fetch busybox. */
export const CORPUS_NEEDS: ToolNeed[] = [
  { debianPackage: 'skopeo', tools: ['skopeo'] },
  { debianPackage: 'umoci', tools: ['umoci'] },
  { debianPackage: 'apt', tools: ['apt-get', 'dpkg-deb'] },
  CONTAINERD_NEED,
  DOCKER_NEED,
  PODMAN_NEED,
  BUILDAH_NEED,
];

export interface Corpus {
  dir: string;
  source: SourceLayout;
  archives: CorpusArchive[];
  /** umoci unpack of each platform of the source image (the reference every rootfs is compared with). */
  references: Record<string, Tree>;
  /** Seconds the build took (0 when it came from the cache). */
  buildSeconds: number;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The cache key: the builder's own source and the tool versions, so a change to either rebuilds. */
function cacheKey(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(HERE).sort()) hash.update(f).update(readFileSync(join(HERE, f)));
  for (const [cmd, args] of [['skopeo', ['--version']], ['umoci', ['--version']], ['ctr', ['--version']], ['podman', ['--version']], ['buildah', ['--version']], ['dockerd', ['--version']]] as const) {
    hash.update(run(cmd, [...args]));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The corpus, built once per machine state and shared by every suite (and every vitest worker): the first
 * caller builds it under a lock in a temp dir keyed by `cacheKey()`, the others wait and read corpus.json.
 */
export async function loadCorpus(): Promise<Corpus> {
  const base = join(tmpdir(), 'ferry-interop-corpus');
  mkdirSync(base, { recursive: true });
  const dir = join(base, cacheKey());
  const done = join(dir, 'corpus.json');
  const release = await lockfile.lock(base, { lockfilePath: join(base, 'build.lock'), stale: 30_000, retries: { retries: 600, minTimeout: 500, maxTimeout: 1000 } });
  try {
    if (!existsSync(done)) {
      const started = Date.now();
      // Corpora of older builder versions are of no further use (each is a few hundred MB); one built in the
      // last hour may still be read by a run from another checkout.
      for (const old of readdirSync(base)) {
        const path = join(base, old);
        if (/^[0-9a-f]{16}$/.test(old) && Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
      }
      rmSync(dir, { recursive: true, force: true });
      const corpus = await buildCorpus(dir, base);
      corpus.buildSeconds = Math.round((Date.now() - started) / 100) / 10;
      writeFileSync(`${done}.tmp`, JSON.stringify(corpus));
      renameSync(`${done}.tmp`, done);
      return corpus;
    }
  } finally {
    await release();
  }
  return { ...(JSON.parse(readFileSync(done, 'utf8')) as Corpus), buildSeconds: 0 };
}

async function buildCorpus(dir: string, base: string): Promise<Corpus> {
  const out = join(dir, 'archives');
  mkdirSync(out, { recursive: true });
  // The downloaded packages outlive a corpus rebuild: they depend only on the Debian release.
  const busybox = fetchBusybox(join(base, 'busybox-static'), CORPUS_PLATFORMS);
  const source = writeSourceLayout(join(dir, 'work'), busybox, CORPUS_PLATFORMS);
  const references: Record<string, Tree> = {};
  for (const p of CORPUS_PLATFORMS) {
    const bundle = join(dir, 'work', `reference-${p.deb}`);
    run('skopeo', ['copy', '--override-arch', p.arch, ...(p.variant ? ['--override-variant', p.variant] : []), `oci:${source.dir}:multi`, `oci:${join(dir, 'work', 'reference-layout')}:${p.deb}`]);
    run('umoci', ['unpack', '--image', `${join(dir, 'work', 'reference-layout')}:${p.deb}`, bundle]);
    references[p.label] = await readTree(join(bundle, 'rootfs'));
    rmSync(bundle, { recursive: true, force: true });
  }
  const [docker, containerd] = await Promise.all([startDockerd(), startContainerd()]);
  const containers = openContainersStorage();
  try {
    const skopeo = skopeoArchives(source, out);
    const inputs = perPlatformDockerArchives(source, out);
    const archives = [
      ...skopeo,
      ...umociArchives(source, out),
      ...ctrArchives(source, out, skopeo[0]!.file, containerd),
      ...dockerArchives(out, inputs, docker),
      ...podmanArchives(out, inputs, source, containers),
      ...buildahArchives(out, containers),
    ];
    return { dir, source, archives, references, buildSeconds: 0 };
  } finally {
    containers.remove();
    await Promise.all([docker.stop(), containerd.stop()]);
  }
}
