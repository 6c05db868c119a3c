import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Containerd } from '../harness/containerd.js';
import type { ContainersStorage } from '../harness/containers-storage.js';
import type { DockerEngine } from '../harness/dockerd.js';
import { run } from '../harness/tools.js';
import type { CorpusArchive, ToolImage } from './corpus-archive.js';
import { corpusPlatform } from './platforms.js';
import { CORPUS_REPO, digestOf, type SourceLayout } from './source-layout.js';

export interface Producers {
  docker: DockerEngine;
  containerd: Containerd;
  containers: ContainersStorage;
}

/** Runs a tool and records the command line in the recipe. */
class Recipe {
  readonly lines: string[] = [];
  constructor(private readonly out: string) {}
  file(name: string): string {
    return join(this.out, name);
  }
  run(label: string, exec: (args: string[]) => string, args: string[]): string {
    this.lines.push(`${label} ${args.join(' ').replaceAll(this.out + '/', '')}`);
    return exec(args);
  }
}

const skopeo = (args: string[]) => run('skopeo', args);
const umoci = (args: string[]) => run('umoci', args);
const tar = (args: string[]) => run('tar', args);

function allPlatforms(source: SourceLayout): ToolImage['platforms'] {
  return source.manifests.map((m) => ({ label: m.label, config: m.config }));
}

function onePlatform(source: SourceLayout, label: string): ToolImage['platforms'] {
  return allPlatforms(source).filter((p) => p.label === label);
}

/** `docker image inspect` / `podman inspect` of one image: its ID (the config digest) and platform. */
function inspected(json: string, label: string): { id: string; label: string } {
  const [i] = JSON.parse(json) as { Id: string; Os: string; Architecture: string }[];
  // podman 4.3 leaves out the arm64 variant the config carries; os and architecture must agree.
  if (!label.startsWith(`${i!.Os}/${i!.Architecture}`)) throw new Error(`inspect says ${i!.Os}/${i!.Architecture}, expected ${label}`);
  return { id: i!.Id.startsWith('sha256:') ? i!.Id : `sha256:${i!.Id}`, label };
}

export function skopeoArchives(source: SourceLayout, out: string): CorpusArchive[] {
  const tool = run('skopeo', ['--version']).trim().replace('skopeo version', 'skopeo');
  const src = `oci:${source.dir}:multi`;
  const archives: CorpusArchive[] = [];
  const add = (id: string, r: Recipe, file: string, images: ToolImage[]) => archives.push({ id, tool, recipe: r.lines, file, images });

  let r = new Recipe(out);
  const ociIndex = r.file('skopeo-oci-index.tar');
  r.run('skopeo', skopeo, ['copy', '--all', '--preserve-digests', src, `oci-archive:${ociIndex}:${CORPUS_REPO}:multi`]);
  const raw = r.run('skopeo', skopeo, ['inspect', '--raw', `oci-archive:${ociIndex}`]);
  add('skopeo oci-archive (index)', r, ociIndex, [{ names: [`${CORPUS_REPO}:multi`], digest: digestOf(raw), index: true, platforms: allPlatforms(source) }]);

  r = new Recipe(out);
  const dockerArchive = r.file('skopeo-docker-archive.tar');
  r.run('skopeo', skopeo, ['copy', '--override-arch', 'arm64', '--override-variant', 'v8', src, `docker-archive:${dockerArchive}:${CORPUS_REPO}:arm64`]);
  const config = digestOf(r.run('skopeo', skopeo, ['inspect', '--config', '--raw', `docker-archive:${dockerArchive}`]));
  add('skopeo docker-archive', r, dockerArchive, [{ names: [`${CORPUS_REPO}:arm64`], platforms: [{ label: 'linux/arm64/v8', config }] }]);

  r = new Recipe(out);
  const zstd = r.file('skopeo-zstd.tar');
  r.run('skopeo', skopeo, ['copy', '--all', '--dest-compress-format', 'zstd', src, `oci-archive:${zstd}:${CORPUS_REPO}:zstd`]);
  const zstdRaw = r.run('skopeo', skopeo, ['inspect', '--raw', `oci-archive:${zstd}`]);
  add('skopeo oci-archive, zstd layers', r, zstd, [{ names: [`${CORPUS_REPO}:zstd`], digest: digestOf(zstdRaw), index: true, platforms: allPlatforms(source) }]);

  r = new Recipe(out);
  const v2s2 = r.file('skopeo-v2s2.tar');
  r.run('skopeo', skopeo, ['copy', '--all', '--format', 'v2s2', src, `oci-archive:${v2s2}:${CORPUS_REPO}:v2s2`]);
  const v2s2Raw = r.run('skopeo', skopeo, ['inspect', '--raw', `oci-archive:${v2s2}`]);
  add('skopeo --format v2s2', r, v2s2, [{ names: [`${CORPUS_REPO}:v2s2`], digest: digestOf(v2s2Raw), index: true, platforms: allPlatforms(source) }]);
  return archives;
}

/** A umoci layout with per-platform tags plus the index, one image repacked by umoci; tarred with and without `./`. */
export function umociArchives(source: SourceLayout, out: string): CorpusArchive[] {
  const tool = run('umoci', ['--version']).trim().replace(' version', '');
  const r = new Recipe(out);
  const layout = r.file('umoci-layout');
  r.run('umoci', umoci, ['init', '--layout', layout]);
  r.run('skopeo', skopeo, ['copy', '--all', '--preserve-digests', `oci:${source.dir}:multi`, `oci:${layout}:multi`]);
  for (const m of source.manifests) {
    const p = corpusPlatform(m.label);
    const tag = p.label.replaceAll('/', '-');
    r.run('skopeo', skopeo, ['copy', '--preserve-digests', '--override-arch', p.arch, ...(p.variant ? ['--override-variant', p.variant] : []), `oci:${source.dir}:multi`, `oci:${layout}:${tag}`]);
  }
  // umoci writes a layer of its own: unpack amd64, add a file, repack as a new tag.
  const bundle = r.file('umoci-bundle');
  r.run('umoci', umoci, ['unpack', '--image', `${layout}:linux-amd64`, bundle]);
  execFileSync('sh', ['-c', `echo repacked by umoci > ${bundle}/rootfs/data/umoci.txt`]);
  r.lines.push('echo repacked by umoci > umoci-bundle/rootfs/data/umoci.txt');
  r.run('umoci', umoci, ['repack', '--image', `${layout}:repacked`, bundle]);
  const tags = r.run('umoci', umoci, ['ls', '--layout', layout]).split('\n').filter(Boolean).sort();
  const digestOfTag = (tag: string) => digestOf(run('skopeo', ['inspect', '--raw', `oci:${layout}:${tag}`]));
  const repackedConfig = digestOf(run('skopeo', ['inspect', '--config', '--raw', `oci:${layout}:repacked`]));
  const images: ToolImage[] = tags.map((tag) => {
    // umoci tags are tag-only ref.names: ferry names them with --base-name, which the matrix passes.
    const names = [`${CORPUS_REPO}:${tag}`];
    if (tag === 'multi') return { names, digest: digestOfTag(tag), index: true, platforms: allPlatforms(source) };
    if (tag === 'repacked') return { names, digest: digestOfTag(tag), platforms: [{ label: 'linux/amd64', config: repackedConfig }] };
    const label = corpusPlatform(tag.replace(/^linux-/, 'linux/').replace(/-(v\d)$/, '/$1')).label;
    return { names, digest: digestOfTag(tag), platforms: onePlatform(source, label) };
  });
  const plain = r.file('umoci-layout.tar');
  const dotted = r.file('umoci-layout-dot.tar');
  const entries = run('ls', ['-A', layout]).split('\n').filter(Boolean);
  r.run('tar', tar, ['-C', layout, '-cf', plain, ...entries]);
  const withoutDot = [...r.lines];
  r.run('tar', tar, ['-C', layout, '-cf', dotted, '.']);
  const withDot = [...r.lines.slice(0, -2), r.lines.at(-1)!];
  return [
    { id: 'umoci layout tar', tool, recipe: withoutDot, file: plain, images },
    { id: 'umoci layout tar with ./', tool, recipe: withDot, file: dotted, images },
  ];
}

export function ctrArchives(source: SourceLayout, out: string, ociIndexArchive: string, containerd: Containerd): CorpusArchive[] {
  const tool = `ctr ${run('ctr', ['--version']).trim().split(' ').at(-1)}`;
  const ctr = (args: string[]) => containerd.ctr(args);
  const name = `${CORPUS_REPO}:multi`;
  const r = new Recipe(out);
  r.run('ctr', ctr, ['images', 'import', '--all-platforms', '--no-unpack', ociIndexArchive]);
  const listed = r.run('ctr', ctr, ['images', 'ls']).split('\n').find((l) => l.startsWith(`${name} `));
  const digest = listed?.split(/\s+/)[2];
  if (digest !== source.indexDigest) throw new Error(`ctr images ls shows ${listed}`);
  const all = r.file('ctr-all-platforms.tar');
  r.run('ctr', ctr, ['images', 'export', '--all-platforms', all, name]);
  const allLines = [...r.lines];
  const one = r.file('ctr-platform-arm64.tar');
  r.run('ctr', ctr, ['images', 'export', '--platform', 'linux/arm64', one, name]);
  const oneLines = [...r.lines.slice(0, -2), r.lines.at(-1)!];
  return [
    { id: 'ctr export --all-platforms', tool, recipe: allLines, file: all, images: [{ names: [name], digest, index: true, platforms: allPlatforms(source) }] },
    // The index stays whole while only arm64's blobs are inside: a partial archive.
    { id: 'ctr export --platform (partial)', tool, recipe: oneLines, file: one, images: [{ names: [name], digest, index: true, platforms: onePlatform(source, 'linux/arm64/v8') }] },
  ];
}

/** docker-archives of amd64 and arm64 (skopeo), the inputs docker and podman load. */
export function perPlatformDockerArchives(source: SourceLayout, out: string): { amd64: string; arm64: string } {
  const dir = join(out, 'inputs');
  mkdirSync(dir, { recursive: true });
  const amd64 = join(dir, 'amd64.tar');
  const arm64 = join(dir, 'arm64.tar');
  skopeo(['copy', '--override-arch', 'amd64', `oci:${source.dir}:multi`, `docker-archive:${amd64}:${CORPUS_REPO}:amd64`]);
  skopeo(['copy', '--override-arch', 'arm64', '--override-variant', 'v8', `oci:${source.dir}:multi`, `docker-archive:${arm64}:${CORPUS_REPO}:arm64`]);
  return { amd64, arm64 };
}

export function dockerArchives(out: string, inputs: { amd64: string; arm64: string }, engine: DockerEngine): CorpusArchive[] {
  const tool = `docker ${engine.docker(['version', '--format', '{{.Server.Version}}']).trim()}`;
  const docker = (args: string[]) => engine.docker(args);
  const setup = new Recipe(out);
  setup.run('docker', docker, ['load', '-i', inputs.amd64]);
  setup.run('docker', docker, ['load', '-i', inputs.arm64]);
  setup.run('docker', docker, ['tag', `${CORPUS_REPO}:amd64`, `${CORPUS_REPO}:also`]);
  const amd = inspected(engine.docker(['image', 'inspect', `${CORPUS_REPO}:amd64`]), 'linux/amd64');
  const arm = inspected(engine.docker(['image', 'inspect', `${CORPUS_REPO}:arm64`]), 'linux/arm64/v8');
  const archives: CorpusArchive[] = [];
  const save = (id: string, file: string, refs: string[], images: ToolImage[]) => {
    const r = new Recipe(out);
    r.lines.push(...setup.lines);
    r.run('docker', docker, ['save', '-o', r.file(file), ...refs]);
    archives.push({ id, tool, recipe: r.lines, file: r.file(file), images });
  };
  const image = (names: string[], i: typeof amd) => ({ names, platforms: [{ label: i.label, config: i.id }] });
  save('docker save', 'docker-save.tar', [`${CORPUS_REPO}:amd64`], [image([`${CORPUS_REPO}:amd64`], amd)]);
  // Two tags of one image: one manifest.json entry with both RepoTags.
  save('docker save, two tags', 'docker-save-two-tags.tar', [`${CORPUS_REPO}:amd64`, `${CORPUS_REPO}:also`], [image([`${CORPUS_REPO}:also`, `${CORPUS_REPO}:amd64`], amd)]);
  save('docker save, two platforms', 'docker-save-two-platforms.tar', [`${CORPUS_REPO}:amd64`, `${CORPUS_REPO}:arm64`], [image([`${CORPUS_REPO}:amd64`], amd), image([`${CORPUS_REPO}:arm64`], arm)]);
  save('docker save by image ID', 'docker-save-by-id.tar', [amd.id], [image([], amd)]);
  return archives;
}

export function podmanArchives(out: string, inputs: { amd64: string; arm64: string }, source: SourceLayout, containers: ContainersStorage): CorpusArchive[] {
  const tool = `podman ${containers.podman(['version', '--format', '{{.Client.Version}}']).trim()}`;
  const podman = (args: string[]) => containers.podman(args);
  const setup = new Recipe(out);
  setup.run('podman', podman, ['load', '-i', inputs.amd64]);
  setup.run('podman', podman, ['load', '-i', inputs.arm64]);
  const amd = inspected(containers.podman(['inspect', '--type', 'image', `${CORPUS_REPO}:amd64`]), 'linux/amd64');
  const arm = inspected(containers.podman(['inspect', '--type', 'image', `${CORPUS_REPO}:arm64`]), 'linux/arm64/v8');
  const archives: CorpusArchive[] = [];
  const save = (id: string, file: string, args: string[], images: (f: string) => ToolImage[]) => {
    const r = new Recipe(out);
    r.lines.push(...setup.lines);
    r.run('podman', podman, ['save', ...args.slice(0, -1), '-o', r.file(file), ...args.slice(-1)[0]!.split(' ')]);
    archives.push({ id, tool, recipe: r.lines, file: r.file(file), images: images(r.file(file)) });
  };
  const image = (names: string[], i: typeof amd, digest?: string) => ({ names, ...(digest ? { digest } : {}), platforms: [{ label: i.label, config: i.id }] });
  save('podman save', 'podman-save.tar', [`${CORPUS_REPO}:amd64`], () => [image([`${CORPUS_REPO}:amd64`], amd)]);
  // Saving as OCI converts the docker config, so its digest is the archive's, not the stored image ID.
  save('podman save --format oci-archive', 'podman-save-oci.tar', ['--format', 'oci-archive', `${CORPUS_REPO}:amd64`], (f) => [
    {
      names: [`${CORPUS_REPO}:amd64`],
      digest: digestOf(run('skopeo', ['inspect', '--raw', `oci-archive:${f}`])),
      platforms: [{ label: amd.label, config: digestOf(run('skopeo', ['inspect', '--config', '--raw', `oci-archive:${f}`])) }],
    },
  ]);
  save('podman save --multi-image-archive', 'podman-save-multi.tar', ['--multi-image-archive', `${CORPUS_REPO}:amd64 ${CORPUS_REPO}:arm64`], () => [
    image([`${CORPUS_REPO}:amd64`], amd),
    image([`${CORPUS_REPO}:arm64`], arm),
  ]);

  const r = new Recipe(out);
  const list = `${CORPUS_REPO}:list`;
  r.run('podman', podman, ['manifest', 'create', list]);
  r.run('podman', podman, ['manifest', 'add', '--all', list, `oci:${source.dir}:multi`]);
  const pushed = r.file('podman-manifest-push.tar');
  r.run('podman', podman, ['manifest', 'push', '--all', list, `oci-archive:${pushed}:${list}`]);
  const raw = run('skopeo', ['inspect', '--raw', `oci-archive:${pushed}`]);
  archives.push({ id: 'podman manifest push --all', tool, recipe: r.lines, file: pushed, images: [{ names: [list], digest: digestOf(raw), index: true, platforms: allPlatforms(source) }] });
  return archives;
}

export function buildahArchives(out: string, containers: ContainersStorage): CorpusArchive[] {
  const tool = `buildah ${containers.buildah(['version', '--json']).match(/"version":\s*"([^"]+)"/)?.[1] ?? '?'}`;
  const buildah = (args: string[]) => containers.buildah(args);
  const amd = inspected(containers.podman(['inspect', '--type', 'image', `${CORPUS_REPO}:amd64`]), 'linux/amd64');
  const archives: CorpusArchive[] = [];
  for (const [id, transport, file] of [
    ['buildah push oci-archive', 'oci-archive', 'buildah-push-oci.tar'],
    ['buildah push docker-archive', 'docker-archive', 'buildah-push-docker.tar'],
  ] as const) {
    const r = new Recipe(out);
    r.lines.push(`podman load -i inputs/amd64.tar  # the same containers-storage`);
    r.run('buildah', buildah, ['push', `${CORPUS_REPO}:amd64`, `${transport}:${r.file(file)}:${CORPUS_REPO}:amd64`]);
    const config = digestOf(run('skopeo', ['inspect', '--config', '--raw', `${transport}:${r.file(file)}`]));
    const digest = transport === 'oci-archive' ? { digest: digestOf(run('skopeo', ['inspect', '--raw', `${transport}:${r.file(file)}`])) } : {};
    archives.push({ id, tool, recipe: r.lines, file: r.file(file), images: [{ names: [`${CORPUS_REPO}:amd64`], ...digest, platforms: [{ label: amd.label, config }] }] });
  }
  return archives;
}
