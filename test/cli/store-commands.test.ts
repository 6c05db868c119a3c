import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage, SEVEN_PLATFORMS } from '../helpers/image-builder.js';

let dir: string;
let root: string;
let archive: string;
const NAME = 'docker.io/library/cmds:1';
const AMD64_HOST = { FERRY_PLATFORM: 'linux/amd64' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-cmds-'));
  root = join(dir, 'store');
  const image = await buildImage({ platforms: SEVEN_PLATFORMS, attestations: true });
  archive = join(dir, 'seven.tar');
  writeFileSync(archive, await ociLayoutTar({ images: [{ image, containerdName: NAME }] }));
  expect((await runFerry(['--root', root, 'import', '--all-platforms', '--no-unpack', archive])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ferry platforms', () => {
  it('prints the host platform (FERRY_PLATFORM overrides detection)', async () => {
    const result = await runFerry(['platforms'], { env: { FERRY_PLATFORM: 'linux/aarch64' } });
    expect(result.stdout).toBe('linux/arm64\n');
  });

  it('explains against an archive why arm/v8 picks the arm/v7 image', async () => {
    const result = await runFerry(['platforms', 'explain', 'linux/arm/v8', '--against', archive]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/winner.*linux\/arm\/v7/i);
    expect(result.stdout).toContain('attestation');
  });

  it('explains against a store image in JSON, with one entry per candidate', async () => {
    const json = await runFerryJson<{ winner: { platform: string } | null; candidates: { matches: boolean; attestation: boolean }[] }>(
      ['--root', root, 'platforms', 'explain', 'linux/amd64/v3', '--against', NAME],
    );
    expect(json.candidates).toHaveLength(14);
    expect(json.candidates.filter((c) => c.attestation)).toHaveLength(7);
    expect(json.winner).not.toBeNull();
    expect(JSON.stringify(json.winner)).toContain('amd64');
  });

  it('rejects a malformed platform with one line and the form to use', async () => {
    const result = await runFerry(['platforms', 'explain', 'linux/arm/v7/extra', '--against', archive]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('ERR_INVALID_PLATFORM');
  });
});

describe('ferry images, unpack and gc', () => {
  it('tags, lists, unpacks the best match and removes; gc then frees the blobs', async () => {
    expect((await runFerry(['--root', root, 'images', 'tag', NAME, 'cmds:copy'])).code).toBe(0);
    const ls = await runFerryJson<{ name: string; platforms: string[] }[]>(['--root', root, 'images', 'ls']);
    expect(ls.map((i) => i.name).sort()).toEqual(['docker.io/library/cmds:1', 'docker.io/library/cmds:copy']);

    const rootfs = join(dir, 'rootfs');
    const unpacked = await runFerryJson<{ reason: string }>(['--root', root, 'unpack', '--platform', 'linux/arm/v8', 'cmds:copy', rootfs]);
    expect(unpacked.reason).toBe('linux/arm/v7: best compatible match for the requested platform linux/arm/v8');
    expect(readFileSync(join(rootfs, 'app', 'linux-arm-v7.txt'), 'utf8')).toContain('linux/arm/v7');

    const strict = await runFerry(['--root', root, 'unpack', '--platform', 'linux/arm/v8', '--strict-platform', 'cmds:copy', join(dir, 'strict')]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('no exact match for the requested platform linux/arm/v8');

    expect((await runFerry(['--root', root, 'images', 'rm', 'cmds:1', 'cmds:copy'])).code).toBe(0);
    const gc = await runFerryJson<{ removedBlobs: unknown[] }>(['--root', root, 'gc']);
    expect(gc.removedBlobs.length).toBeGreaterThan(20);
    expect(readdirSync(join(root, 'blobs', 'sha256'))).toEqual([]);
  });

  it('names what is missing: rm of an unknown image, export of an unknown image', async () => {
    const rm = await runFerry(['--root', root, 'images', 'rm', 'nope:1']);
    expect(rm.stderr).toBe("ferry: no image named docker.io/library/nope:1; see 'ferry images ls' (ERR_NOT_FOUND)\n");
    const out = join(dir, 'never.tar');
    const exp = await runFerry(['--root', root, 'export', out, 'nope:1']);
    expect(exp.code).toBe(1);
    expect(exp.stderr).toContain('no image named docker.io/library/nope:1');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('never'))).toEqual([]);
  });

  it('usage errors exit 2 without a stack trace', async () => {
    const result = await runFerry(['import']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('version reports the host platform and zstd backend', async () => {
    const json = await runFerryJson<{ version: string; platform: string; zstd: string }>(['version'], { env: AMD64_HOST });
    expect(json.platform).toBe('linux/amd64');
    expect(json.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
