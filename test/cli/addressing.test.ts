import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyDockerSaveTar, ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';

let dir: string;
let layoutTar: string;
let layoutDir: string;
let legacy: string;
let first: BuiltImage;
let second: BuiltImage;
const HOST = { FERRY_PLATFORM: 'linux/amd64' };

interface ImportJson {
  images: { names: string[]; digest: string; platforms: string[] }[];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-address-'));
  first = await buildImage({ platforms: FOUR_PLATFORMS, seed: 'first', padding: 64 * 1024 });
  second = await buildImage({ platforms: FOUR_PLATFORMS.slice(0, 2), seed: 'second' });
  // As skopeo writes `oci:DIR:TAG`: tag-only ref names, no containerd names.
  layoutTar = join(dir, 'two.tar');
  writeFileSync(layoutTar, await ociLayoutTar({ images: [{ image: first, refName: 'v1' }, { image: second, refName: 'v2' }] }));
  layoutDir = join(dir, 'layout');
  mkdirSync(layoutDir);
  execFileSync('tar', ['-xf', layoutTar, '-C', layoutDir]);
  legacy = join(dir, 'legacy.tar');
  writeFileSync(legacy, await legacyDockerSaveTar(first.manifests[0]!, { repoTags: ['alpine:3'] }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const store = (name: string) => ['--root', join(dir, name)];

describe('skopeo-style addressing of archives', () => {
  it('ferry import DIR reads an OCI layout directory, every image verified', async () => {
    const result = await runFerryJson<ImportJson>([...store('s1'), 'import', '--no-unpack', '--all-platforms', layoutDir], { env: HOST });
    expect(result.images.map((i) => i.digest)).toEqual([first.index.desc.digest, second.index.desc.digest]);
    expect(result.images[0]!.platforms).toHaveLength(4);
    const ls = await runFerry([...store('s1'), 'images', 'ls', '-q']);
    expect(ls.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('oci:DIR:REF imports only the image of that ref.name', async () => {
    const result = await runFerryJson<ImportJson>([...store('s2'), 'import', '--no-unpack', '--base-name', 'acme/app', `oci:${layoutDir}:v2`], { env: HOST });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]).toEqual(expect.objectContaining({ digest: second.index.desc.digest, names: ['docker.io/acme/app:v2'] }));
  });

  it('oci-archive:FILE:REF picks from an archive file; inspect, verify and platforms explain take the same address', async () => {
    const imported = await runFerryJson<ImportJson>([...store('s3'), 'import', '--no-unpack', `oci-archive:${layoutTar}:v1`], { env: HOST });
    expect(imported.images.map((i) => i.digest)).toEqual([first.index.desc.digest]);
    const inspect = await runFerryJson<{ images: { target: { digest: string } }[] }>(['inspect', `oci-archive:${layoutTar}:v2`]);
    expect(inspect.images.map((i) => i.target.digest)).toEqual([second.index.desc.digest]);
    const verify = await runFerryJson<{ images: unknown[]; complete: boolean }>(['verify', `oci:${layoutDir}:v1`]);
    expect(verify).toEqual(expect.objectContaining({ complete: true, images: [expect.anything()] }));
    const explain = await runFerryJson<{ candidates: unknown[] }>(['platforms', 'explain', 'linux/arm64', '--against', `oci:${layoutDir}:v2`]);
    expect(explain.candidates).toHaveLength(2);
  });

  it('docker-archive:FILE:REF matches a RepoTag (normalized) and :@N picks by position', async () => {
    const byTag = await runFerryJson<ImportJson>([...store('s4'), 'import', '--no-unpack', `docker-archive:${legacy}:docker.io/library/alpine:3`], { env: HOST });
    expect(byTag.images[0]!.names).toContain('docker.io/library/alpine:3');
    expect(byTag.images[0]!.platforms).toEqual(['linux/amd64']);
    const byIndex = await runFerryJson<ImportJson>([...store('s5'), 'import', '--no-unpack', `docker-archive:${layoutTar}:@1`], { env: HOST });
    expect(byIndex.images.map((i) => i.digest)).toEqual([second.index.desc.digest]);
  });

  it('copy reads oci:DIR:REF and writes oci-archive:FILE:NAME under that name', async () => {
    const out = join(dir, 'copied.tar');
    const copied = await runFerry([...store('s6'), 'copy', '--all-platforms', `oci:${layoutDir}:v1`, `oci-archive:${out}:acme/copied:1`]);
    expect(copied.code, copied.stderr).toBe(0);
    const inspect = await runFerryJson<{ images: { names: string[]; target: { digest: string } }[] }>(['inspect', out]);
    expect(inspect.images[0]!.names).toContain('docker.io/acme/copied:1');
    expect(inspect.images[0]!.target.digest).toBe(first.index.desc.digest);
  });

  it('reports an unknown image, a bad @N, an unsupported transport and a directory that is no layout clearly', async () => {
    const cases: [string[], RegExp, number][] = [
      [['import', `oci:${layoutDir}:v9`], /has no image named v9; names in it: v1, v2.*\(ERR_NOT_FOUND\)/, 1],
      [['import', `docker-archive:${layoutTar}:@5`], /has no image @5 \(it has 2\).*\(ERR_NOT_FOUND\)/, 1],
      [['import', `oci-archive:${layoutTar}:@0`], /@N picks an image by position only in docker-archive.*\(ERR_USAGE\)/, 2],
      [['import', 'containers-storage:alpine'], /the containers-storage: transport does not name an archive.*\(ERR_UNSUPPORTED\)/, 1],
      [['copy', 'dir:/tmp/x', 'out.tar'], /the dir: transport does not name an archive.*\(ERR_UNSUPPORTED\)/, 1],
      [['import', dir], /is a directory but not an OCI image layout.*\(ERR_UNSUPPORTED_ARCHIVE\)/, 1],
      [['import', `oci:${layoutTar}`], /names a file; oci: is for OCI layout directories.*oci-archive:/, 2],
      [['import', join(dir, 'missing.tar')], /cannot read archive .*missing\.tar: no such file or directory/, 1],
    ];
    for (const [args, message, code] of cases) {
      const result = await runFerry([...store('s7'), ...args]);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.code, args.join(' ')).toBe(code);
    }
  });
});
