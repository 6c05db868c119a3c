/**
 * `ferry push`, `pull` and `copy` as a user runs them (the built bin/ferry), against Debian's docker-registry
 * (package `docker-registry`) on 127.0.0.1. Skipped with a message when the package is missing.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, SEVEN_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import { describeInterop, REGISTRY_NEED } from '../interop/harness/requirements.js';
import { freePort, startRegistry, type RunningRegistry } from '../registry/registry-server.js';

const NAME = 'docker.io/library/seven:1';
const AMD64_HOST = { FERRY_PLATFORM: 'linux/amd64' };

/** What --json prints for pull, push and copy. */
interface CopyJson {
  source: string;
  destination: string;
  name: string;
  digest: string;
  originalDigest?: string;
  platforms: string[];
  incomplete: string[];
  blobs: number;
  bytes: number;
  registry?: { exists: number; mounted: number; uploaded: number; manifests: number; referrerTags: number };
}

interface ImportJson {
  images: { names: string[]; digest: string; platforms: string[] }[];
}

describeInterop('ferry push, pull and copy with docker-registry', [REGISTRY_NEED], () => {
  let registry: RunningRegistry;
  let dir: string;
  let root: string;
  let image: BuiltImage;
  const at = (...parts: string[]) => join(dir, ...parts);

  beforeAll(async () => {
    registry = await startRegistry();
    dir = mkdtempSync(join(tmpdir(), 'ferry-registry-cli-'));
    root = at('store');
    image = await buildImage({ platforms: SEVEN_PLATFORMS, seed: 'registry-cli' });
    writeFileSync(at('seven.tar'), await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
    const imported = await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', at('seven.tar')]);
    expect(imported.code, imported.stderr).toBe(0);
  });
  afterAll(async () => {
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pushes 7 platforms from the store and pulls them all into another store', async () => {
    const ref = `${registry.host}/team/seven:1`;
    const pushed = await runFerryJson<CopyJson>(['--root', root, 'push', NAME, ref]);
    expect(pushed).toMatchObject({
      source: `store:${NAME}`,
      destination: `docker://${ref}`,
      name: ref,
      digest: image.index.desc.digest,
      incomplete: [],
      // One shared layer, then a layer and a config per platform; 7 manifests and the index.
      registry: { uploaded: 15, mounted: 0, exists: 0, manifests: 8, referrerTags: 0 },
    });
    expect(pushed.platforms).toHaveLength(7);
    expect(pushed).not.toHaveProperty('originalDigest');

    const other = at('pulled');
    const pulled = await runFerry(['--root', other, 'pull', '--all-platforms', ref]);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain(`pulled ${ref} `);
    expect(pulled.stdout).toContain(`docker://${ref} → store:${ref}`);
    const ls = await runFerryJson<{ name: string; digest: string; platforms: string[] }[]>(['--root', other, 'images', 'ls']);
    expect(ls).toHaveLength(1);
    expect(ls[0]).toMatchObject({ name: ref, digest: image.index.desc.digest });
    expect(ls[0]!.platforms).toHaveLength(7);

    const again = await runFerry(['--root', root, 'push', NAME, ref]);
    expect(again.code, again.stderr).toBe(0);
    // 15 layers and configs, 7 manifests and the index: the parts add up to the whole.
    expect(again.stdout).toMatch(/: 23 blobs and manifests: 0 uploaded, 0 mounted, 23 already there, 0 manifests written; 0 B sent\n/);
  });

  it('pulls one platform to an archive that ferry imports', async () => {
    const out = at('arm64.tar');
    const pulled = await runFerryJson<CopyJson>(['--root', root, 'pull', '--platform', 'linux/arm64', '-o', out, `${registry.host}/team/seven:1`]);
    expect(pulled).toMatchObject({ destination: out, platforms: ['linux/arm64/v8'], originalDigest: image.index.desc.digest });
    expect(pulled.bytes).toBeGreaterThan(0);
    const imported = await runFerryJson<ImportJson>(['--root', at('from-archive'), 'import', '--no-unpack', '--all-platforms', out]);
    expect(imported.images[0]).toMatchObject({ digest: pulled.digest, platforms: ['linux/arm64/v8'] });
  });

  it('copies from the store to the registry and from the registry to an archive', async () => {
    const ref = `${registry.host}/copies/seven:1`;
    const up = await runFerryJson<CopyJson>(['--root', root, 'copy', '--all-platforms', `store:${NAME}`, `docker://${ref}`]);
    expect(up).toMatchObject({ source: `store:${NAME}`, destination: `docker://${ref}`, digest: image.index.desc.digest });
    expect(up.platforms).toHaveLength(7);

    const out = at('copy.tar');
    const down = await runFerryJson<CopyJson>(['--root', root, 'copy', `docker://${ref}`, `oci-archive:${out}`], { env: AMD64_HOST });
    // The host default is what an amd64 host runs, as containerd has it: amd64 and 386.
    expect(down).toMatchObject({ source: `docker://${ref}`, destination: out, platforms: ['linux/amd64', 'linux/386'], originalDigest: image.index.desc.digest });
    expect(existsSync(out)).toBe(true);
    const imported = await runFerryJson<ImportJson>(['--root', at('from-copy'), 'import', '--no-unpack', '--all-platforms', out]);
    expect(imported.images[0]).toMatchObject({ digest: down.digest, platforms: ['linux/amd64', 'linux/386'] });
  });

  it('names an unreachable registry in one line with ERR_REGISTRY, exit 1, at once', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const result = await runFerry(['--root', root, 'pull', `${host}/team/seven:1`]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^ferry: cannot reach ${host.replace(/\./g, '\\.')} .*ECONNREFUSED.*\\(ERR_REGISTRY\\)\\n$`));
    expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
    // Nothing listens there: no point in backing off and retrying.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('names an unknown tag in one line with ERR_NOT_FOUND, exit 1, and stores nothing', async () => {
    const ref = `${registry.host}/team/seven:nope`;
    const result = await runFerry(['--root', at('empty'), 'pull', ref]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`${ref} not found`);
    expect(result.stderr).toMatch(/\(ERR_NOT_FOUND\)\n$/);
    expect(await runFerryJson(['--root', at('empty'), 'images', 'ls'])).toEqual([]);
  });

  it('shows examples in --help of pull, push and copy', async () => {
    const commands = ['pull', 'push', 'copy'];
    const helps = await Promise.all(commands.map((command) => runFerry([command, '--help'])));
    helps.forEach((help, i) => {
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
      expect(help.stdout).toContain(`ferry ${commands[i]} `);
      expect(help.stdout).toContain('--all-platforms');
    });
  });
});
