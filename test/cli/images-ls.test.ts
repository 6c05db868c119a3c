import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, FOUR_PLATFORMS } from '../helpers/image-builder.js';
import { NOBODY, runFerryAs } from '../security/run-as.js';

let dir: string;
let root: string;
const NAMES = ['docker.io/library/zeta:1', 'docker.io/library/alpha:2'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-ls-'));
  root = join(dir, 'store');
  const image = await buildImage({ platforms: FOUR_PLATFORMS, padding: 256 * 1024, compression: 'none' });
  const archive = join(dir, 'four.tar');
  writeFileSync(archive, await ociLayoutTar({ images: NAMES.map((containerdName) => ({ image, containerdName })) }));
  const imported = await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', archive]);
  expect(imported.code, imported.stderr).toBe(0);
});
afterAll(() => {
  chmodSync(root, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

describe('ferry images ls', () => {
  it('prints a sorted, aligned table with a header, the size held and the platforms', async () => {
    const result = await runFerry(['--root', root, 'images', 'ls']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +DIGEST +SIZE +PLATFORMS$/);
    expect(lines.slice(1).map((l) => l.split(/ +/)[0])).toEqual(['docker.io/library/alpha:2', 'docker.io/library/zeta:1']);
    // Columns start at the same offset on every line.
    for (const column of ['DIGEST', 'SIZE', 'PLATFORMS']) {
      const at = lines[0]!.indexOf(column);
      for (const line of lines.slice(1)) expect(line[at - 1]).toBe(' ');
      for (const line of lines.slice(1)) expect(line[at]).not.toBe(' ');
    }
    expect(lines[1]).toMatch(/^docker\.io\/library\/alpha:2 +sha256:[0-9a-f]{12} +\d+\.\d MiB +linux\/amd64,linux\/arm64\/v8,linux\/arm\/v7,linux\/arm\/v6$/);
    const json = await runFerryJson<{ storedBytes: number; platforms: string[] }[]>(['--root', root, 'images', 'ls']);
    const shown = lines[1]!.match(/(\d+\.\d) MiB/)![1];
    expect(shown).toBe((json[0]!.storedBytes / 1048576).toFixed(1));
    expect(json[0]!.platforms).toHaveLength(4);
  });

  it('keeps --json stable: partial is a boolean as in export, the platforms in partialPlatforms', async () => {
    const json = await runFerryJson<{ name: string; partial: unknown; partialPlatforms: unknown; storedBytes: number }[]>(['--root', root, 'images', 'ls']);
    expect(json.map((i) => i.name)).toEqual(['docker.io/library/alpha:2', 'docker.io/library/zeta:1']);
    for (const image of json) {
      expect(image.partial).toBe(false);
      expect(image.partialPlatforms).toEqual([]);
      expect(image.storedBytes).toBeGreaterThan(4 * 256 * 1024);
    }
  });

  it('-q prints only the names, sorted', async () => {
    const result = await runFerry(['--root', root, 'images', 'ls', '-q']);
    expect(result.stdout).toBe('docker.io/library/alpha:2\ndocker.io/library/zeta:1\n');
  });

  it('says which store is empty', async () => {
    const empty = join(dir, 'empty');
    expect((await runFerry(['--root', empty, 'gc'])).code).toBe(0);
    const result = await runFerry(['--root', empty, 'images', 'ls']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`no images in the store ${empty}\n`);
  });
});

describe('read commands on a read-only or missing store', () => {
  it('a mistyped --root is an error naming it, and creates nothing', async () => {
    const typo = join(dir, 'no-such-store');
    for (const args of [['images', 'ls'], ['inspect', 'alpine:3'], ['export', join(dir, 'x.tar'), 'alpine:3']]) {
      const result = await runFerry(['--root', typo, ...args]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr).toBe(`ferry: there is no ferry store at ${typo}; check --root / FERRY_ROOT (default $XDG_DATA_HOME/ferry, else ~/.local/share/ferry); import or pull an image to create a store (ERR_STORE)\n`);
    }
    expect(readdirSync(dir)).not.toContain('no-such-store');
  });

  it('ls, inspect, explain and export work on a store the user can only read, and write nothing into it', async () => {
    const before = readdirSync(root).sort();
    // As root every file is writable: then the commands run as nobody, for whom the store (0755/0644) is read-only.
    const asRoot = process.getuid?.() === 0;
    const outDir = join(dir, 'out');
    mkdirSync(outDir, { mode: 0o777 });
    chmodSync(outDir, 0o777);
    chmodSync(dir, 0o755);
    if (!asRoot) chmodSync(root, 0o555);
    const reader = (args: string[]) => (asRoot ? runFerryAs(NOBODY, ['--root', root, ...args], outDir) : runFerry(['--root', root, ...args]));
    try {
      const ls = await reader(['images', 'ls', '-q']);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.stdout).toBe('docker.io/library/alpha:2\ndocker.io/library/zeta:1\n');
      const inspect = await reader(['inspect', 'alpha:2']);
      expect(inspect.code, inspect.stderr).toBe(0);
      expect(inspect.stdout).toContain('linux/arm64');
      const out = join(outDir, 'ro-export.tar');
      const exported = await reader(['export', '--all-platforms', out, 'alpha:2']);
      expect(exported.code, exported.stderr).toBe(0);
      const verified = await runFerry(['verify', out]);
      expect(verified.code, verified.stdout).toBe(0);
      const explained = await reader(['platforms', 'explain', 'linux/arm64', '--against', 'alpha:2']);
      expect(explained.code, explained.stderr).toBe(0);
    } finally {
      chmodSync(root, 0o755);
    }
    expect(readdirSync(root).sort()).toEqual(before);
  });
});
