/**
 * Crash safety of `ferry import`: killed with SIGKILL at random points, or stopped by a full disk, it leaves a
 * store that `ferry fsck` passes and that a re-run of the import completes; a full disk leaves it unchanged.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FsckResult } from '../../src/store/fsck.js';
import { ociLayoutTar } from '../helpers/archive-fixtures.js';
import { runFerry, runFerryJson } from '../helpers/cli.js';
import { buildImage } from '../helpers/image-builder.js';
import { snapshotTree } from './store-snapshot.js';

const BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));
const KILLS = 15;

let base: string;
let bigArchive: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'ferry-crash-'));
  // Uncompressed and padded, so an import takes long enough to be killed in every phase (read, unpack, commit).
  const image = await buildImage({ compression: 'none', padding: 3_000_000, seed: 'crash' });
  bigArchive = join(base, 'big.tar');
  await writeFile(bigArchive, await ociLayoutTar({ images: [{ image, containerdName: 'example.com/crash:1' }] }));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A deterministic random sequence (xorshift), so a failing run can be repeated. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Starts an import and SIGKILLs it `delayMs` after it has begun staging (or lets it finish if it is faster). */
async function importAndKill(store: string, delayMs: number): Promise<'killed' | 'finished'> {
  const child = spawn(process.execPath, [BIN, '--root', store, 'import', bigArchive], { stdio: 'ignore' });
  const exited = new Promise<'finished'>((resolve) => child.on('exit', () => resolve('finished')));
  const ingest = join(store, 'ingest');
  const staging = (async () => {
    for (;;) {
      const names = await readdir(ingest).catch(() => [] as string[]);
      if (names.some((n) => n.startsWith('stage-'))) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  if ((await Promise.race([staging, exited])) === 'finished') return 'finished';
  await new Promise((r) => setTimeout(r, delayMs));
  const killed = child.kill('SIGKILL');
  await exited;
  return killed && child.signalCode === 'SIGKILL' ? 'killed' : 'finished';
}

describe('crash safety', () => {
  it(`survives ${KILLS} SIGKILLs at random points of an import: fsck passes, and the import then completes`, async () => {
    const store = join(base, 'killed');
    const next = random(0x5eed);
    let killed = 0;
    for (let i = 0; i < KILLS; i++) {
      if ((await importAndKill(store, 5 + Math.floor(next() * 295))) === 'killed') killed += 1;
    }
    expect(killed).toBeGreaterThan(KILLS / 2);

    const check = await runFerry(['--root', store, 'fsck', '--json']);
    expect(check.code, check.stderr).toBe(0);
    const result = JSON.parse(check.stdout) as FsckResult;
    expect(result.problems).toEqual([]);
    // Nothing of the dead imports is left behind.
    expect((await readdir(join(store, 'ingest'))).filter((n) => n.startsWith('stage-') || n.startsWith('blob-'))).toEqual([]);
    expect((await readdir(join(store, 'snapshots')).catch(() => [])).filter((n) => n.startsWith('tmp-'))).toEqual([]);

    const again = await runFerry(['--root', store, 'import', bigArchive]);
    expect(again.code, again.stderr).toBe(0);
    const images = await runFerryJson<{ name: string }[]>(['--root', store, 'images', 'ls']);
    expect(JSON.stringify(images)).toContain('example.com/crash:1');
    const after = await runFerryJson<FsckResult>(['--root', store, 'fsck']);
    expect(after.problems).toEqual([]);
  });

  it('leaves the store as it was when the disk fills up mid-import (ENOSPC on a 2 MB tmpfs)', async (ctx) => {
    const mountpoint = join(base, 'tiny');
    await mkdir(mountpoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountpoint], { stdio: 'pipe' });
    } catch (err) {
      // CI runs as root, so there it must run: a mount that fails is a broken machine, not a reason to skip.
      if (process.env.CI === 'true') throw err;
      console.warn(`skipping the ENOSPC test: cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}); run the tests as root to include it`);
      ctx.skip();
      return;
    }
    try {
      const store = join(mountpoint, 'store');
      const small = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], seed: 'small' });
      const smallArchive = join(base, 'small.tar');
      await writeFile(smallArchive, await ociLayoutTar({ images: [{ image: small, containerdName: 'example.com/small:1' }] }));
      const first = await runFerry(['--root', store, 'import', smallArchive]);
      expect(first.code, first.stderr).toBe(0);

      const before = await snapshotTree(store);
      const full = await runFerry(['--root', store, 'import', bigArchive]);
      expect(full.stderr).toMatch(/^ferry: [^\n]*(no space left on device|ENOSPC)[^\n]*\n$/i);
      expect(full.code).toBe(1);
      expect(await snapshotTree(store)).toEqual(before);
      expect((await runFerryJson<FsckResult>(['--root', store, 'fsck'])).problems).toEqual([]);
    } finally {
      execFileSync('umount', [mountpoint]);
    }
  });
});
