import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffCompression } from '../../src/oci/compression.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { readTar } from '../helpers/tar.js';

const NAME = 'docker.io/library/opts:1';
let dir: string;
let root: string;
let image: BuiltImage;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-export-opts-'));
  root = join(dir, 'store');
  image = await buildImage({ platforms: FOUR_PLATFORMS, attestations: true });
  writeFileSync(join(dir, 'in.tar'), await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
  expect((await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', join(dir, 'in.tar')])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ExportJson {
  images: { digest: string; originalDigest?: string; platforms: string[] }[];
}

function indexOf(entries: { name: string; data: Buffer }[], digest: string): { manifests: { platform?: { os: string } }[] } {
  return JSON.parse(entries.find((e) => e.name === `blobs/sha256/${digest.slice(7)}`)!.data.toString()) as { manifests: { platform?: { os: string } }[] };
}

describe('ferry export options', () => {
  it('writes full names in manifest.json RepoTags (podman load prefixes short ones with localhost/)', async () => {
    const out = join(dir, 'names.tar');
    expect((await runFerry(['--root', root, 'export', out, NAME])).code).toBe(0);
    const entries = await readTar(readFileSync(out));
    const manifest = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.data.toString()) as { RepoTags: string[] }[];
    expect(manifest.map((m) => m.RepoTags)).toEqual([['docker.io/library/opts:1']]);
  });

  it('warns that docker engines before 23 cannot load zstd layers or a zstd archive, on stderr and in --json', async () => {
    const layers = await runFerry(['--root', root, 'export', '--layer-compression', 'zstd', '--docker-platform', 'linux/amd64', join(dir, 'warn-l.tar'), NAME, '--json']);
    expect(layers.code, layers.stderr).toBe(0);
    const expected = `${NAME}: the docker-load entry (linux/amd64) has zstd layers, which docker engines before 23 cannot load; export with --layer-compression gzip for them`;
    expect(layers.stderr).toContain(`warning: ${expected}\n`);
    expect((JSON.parse(layers.stdout) as { warnings: string[] }).warnings).toEqual([expected]);
    const whole = await runFerry(['--root', root, 'export', '--compress', 'zstd', join(dir, 'warn-c.tar'), NAME, '--json']);
    expect((JSON.parse(whole.stdout) as { warnings: string[] }).warnings).toEqual([
      'the archive is zstd-compressed, which docker engines before 23 cannot load; use --compress gzip for them',
    ]);
    const plain = await runFerry(['--root', root, 'export', '--compress', 'gzip', join(dir, 'warn-none.tar'), NAME, '--json']);
    expect(plain.stderr).not.toContain('warning');
    expect(JSON.parse(plain.stdout)).not.toHaveProperty('warnings');
  });

  it('--skip-attestations rewrites the index without them and prints the new digest', async () => {
    const out = join(dir, 'no-att.tar');
    const json = await runFerryJson<ExportJson>(['--root', root, 'export', '--all-platforms', '--skip-attestations', out, NAME]);
    expect(json.images[0]!.originalDigest).toBe(image.index.desc.digest);
    const entries = await readTar(readFileSync(out));
    const index = indexOf(entries, json.images[0]!.digest);
    expect(index.manifests).toHaveLength(4);
    expect(index.manifests.every((m) => m.platform?.os === 'linux')).toBe(true);
    const attestationBlobs = image.attestations.map((a) => `blobs/sha256/${a.desc.digest.slice(7)}`);
    expect(entries.filter((e) => attestationBlobs.includes(e.name))).toEqual([]);
  });

  it('--platform with --keep-index and --skip-attestations: the index keeps every platform, the archive only the chosen one', async () => {
    const out = join(dir, 'keep-no-att.tar');
    const json = await runFerryJson<ExportJson>(['--root', root, 'export', '--platform', 'linux/arm64', '--keep-index', '--skip-attestations', out, NAME]);
    const entries = await readTar(readFileSync(out));
    expect(indexOf(entries, json.images[0]!.digest).manifests).toHaveLength(4);
    const arm64 = image.manifests.find((m) => m.platform.architecture === 'arm64')!;
    const written = new Set(entries.filter((e) => e.type === 'file' && e.name.startsWith('blobs/')).map((e) => `sha256:${e.name.slice(13)}`));
    const expected = [json.images[0]!.digest, arm64.desc.digest, arm64.config.desc.digest, ...arm64.layers.map((l) => l.desc.digest)];
    expect([...written].sort()).toEqual([...new Set(expected)].sort());
  });

  it('--layer-compression zstd recompresses layers in the archive and leaves the store as it was', async () => {
    const out = join(dir, 'zstd.tar');
    const json = await runFerryJson<ExportJson>(['--root', root, 'export', '--all-platforms', '--layer-compression', 'zstd', out, NAME]);
    expect(json.images[0]!.originalDigest).toBe(image.index.desc.digest);
    const entries = await readTar(readFileSync(out));
    const layerDigests = new Set(image.manifests.flatMap((m) => m.layers.map((l) => l.desc.digest)));
    const blobs = entries.filter((e) => e.name.startsWith('blobs/sha256/') && e.type === 'file');
    expect(blobs.filter((b) => layerDigests.has(`sha256:${b.name.slice(13)}`))).toEqual([]);
    expect(blobs.filter((b) => sniffCompression(b.data) === 'zstd')).toHaveLength(5);
    // The archive imports and unpacks on the far side.
    const far = await runFerryJson<{ images: { platforms: string[]; unpack: { reason: string } }[] }>(
      ['--root', join(dir, 'far'), 'import', '--all-platforms', out],
      { env: { FERRY_PLATFORM: 'linux/amd64' } },
    );
    expect(far.images[0]!.platforms).toHaveLength(4);
    expect(far.images[0]!.unpack.reason).toMatch(/^linux\/amd64: exact match/);
    const ls = await runFerryJson<{ name: string; digest: string }[]>(['--root', root, 'images', 'ls']);
    expect(ls).toEqual([expect.objectContaining({ name: NAME, digest: image.index.desc.digest })]);
  });
});
