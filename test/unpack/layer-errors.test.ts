import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFerryError } from '../../src/errors.js';
import { readLayer } from '../../src/oci/layer-stream.js';
import { applyLayer } from '../../src/unpack/apply-layer.js';
import { compress } from '../helpers/image-builder.js';
import { mixedBytes } from '../helpers/realistic-image.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { tarBytes } from '../helpers/tar.js';

const WHERE = `sha256:${'a'.repeat(64)}`;

/** Rewrites one header field of the entry at `offset` and fixes the header checksum, as a broken tool would write it. */
function patchHeader(tar: Buffer, offset: number, field: number, value: Buffer): Buffer {
  const out = Buffer.from(tar);
  value.copy(out, offset + field);
  out.fill(0x20, offset + 148, offset + 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += out[offset + i]!;
  Buffer.from(`${sum.toString(8).padStart(6, '0')}\0 `).copy(out, offset + 148);
  return out;
}

/** A tar number field in base-256 (GNU's encoding for values octal cannot hold). */
function base256(length: number, value: bigint): Buffer {
  const out = Buffer.alloc(length);
  let rest = value;
  for (let i = length - 1; i > 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  out[0] = 0x80;
  return out;
}

/** A stream that hands `bytes` over in 64 KiB chunks, one per turn of the event loop, like a file or a decoder. */
function slowly(bytes: Buffer): Readable {
  async function* chunks() {
    for (let at = 0; at < bytes.length; at += 64 * 1024) {
      await new Promise((r) => setImmediate(r));
      yield bytes.subarray(at, at + 64 * 1024);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

describe('bad layer content is one FerryError with its own code, never an internal error', () => {
  let rootfs: string;
  beforeEach(async () => {
    rootfs = await mkdtemp(join(tmpdir(), 'ferry-layer-errors-'));
  });
  afterEach(() => rm(rootfs, { recursive: true, force: true }));

  const apply = (bytes: Buffer, isRoot = true) => applyLayer(rootfs, slowly(bytes), { where: WHERE, isRoot }).then(() => undefined, (e: unknown) => e);

  it('a corrupt tar header after a multi-MB file, arriving through the input stream → ERR_INVALID_DOCUMENT naming the layer', async () => {
    const big = mixedBytes(3 * 1024 * 1024, 5);
    const tar = await tarBytes([{ name: 'big.bin', data: big }, { name: 'next.txt', data: 'x' }]);
    const second = 512 + big.length; // 3 MiB is a multiple of 512
    const bad = Buffer.from(tar);
    bad[second + 148] = bad[second + 148]! ^ 0x33;
    expect(await apply(bad)).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', message: expect.stringContaining(`layer ${WHERE}`) });
    // The same layer gzip-compressed, read as unpack reads it: the parser's error comes back through the decoder.
    const content = new MemoryContent();
    const layer = content.put('application/vnd.oci.image.layer.v1.tar+gzip', compress(bad, 'gzip'));
    const err = await readLayer(content, layer, () => ({ stages: [], consume: (tail) => applyLayer(rootfs, tail, { where: layer.digest }) })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFerryError(err, 'ERR_INVALID_DOCUMENT'), String(err)).toBe(true);
    expect((err as Error).message).toContain(`layer ${layer.digest}`);
  });

  it.each([
    ['uid', 108, 8, 2n ** 40n],
    ['gid', 116, 8, 2n ** 33n],
  ] as const)('a %s beyond 32 bits → ERR_INVALID_DOCUMENT naming the entry, nothing written', async (field, at, length, value) => {
    const tar = patchHeader(await tarBytes([{ name: 'owned.txt', data: 'x' }]), 0, at, base256(length, value));
    for (const isRoot of [true, false]) {
      const err = await apply(tar, isRoot);
      expect(err).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', path: 'owned.txt' });
      expect((err as Error).message).toContain(field);
    }
    expect(await readdir(rootfs)).toEqual([]);
  });

  it('an mtime that is no date → ERR_INVALID_DOCUMENT, not "check free space"', async () => {
    const tar = patchHeader(await tarBytes([{ name: 'old.txt', data: 'x' }]), 0, 136, base256(12, 2n ** 80n));
    const err = await apply(tar);
    expect(err).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', path: 'old.txt' });
    expect((err as Error).message).toContain('mtime');
  });

  it('a symlink with an empty target → ERR_INVALID_DOCUMENT, not "check free space"', async () => {
    const err = await apply(await tarBytes([{ name: 'dangling', type: 'symlink', linkname: '' }]));
    expect(err).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', path: 'dangling' });
    expect((err as Error).message).toContain('empty target');
    expect((err as FerryErrorLike).hint).not.toContain('free space');
  });

  it.each(['xz', 'bzip2'])('a %s-compressed layer → ERR_UNSUPPORTED, not "truncated tar"', async (tool) => {
    const tar = await tarBytes([{ name: 'a.txt', data: mixedBytes(200_000, 2) }]);
    const blob = execFileSync(tool, ['-c'], { input: tar });
    const content = new MemoryContent();
    const layer = content.put('application/vnd.oci.image.layer.v1.tar', blob);
    const err = await readLayer(content, layer, () => ({ stages: [], consume: (tail) => applyLayer(rootfs, tail, { where: layer.digest }) })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED', path: `layer ${layer.digest}` });
    expect((err as Error).message).toContain(`${tool}-compressed`);
  });

  it('a gzip layer whose tar is fine still unpacks (the checks refuse only bad content)', async () => {
    const tar = await tarBytes([{ name: 'ok.txt', data: 'fine', uid: 1000, gid: 1000 }, { name: 'link', type: 'symlink', linkname: 'ok.txt' }]);
    const content = new MemoryContent();
    const layer = content.put('application/vnd.oci.image.layer.v1.tar+gzip', compress(tar, 'gzip'));
    await readLayer(content, layer, () => ({ stages: [], consume: (tail) => applyLayer(rootfs, tail, { where: layer.digest }) }));
    expect((await readdir(rootfs)).sort()).toEqual(['link', 'ok.txt']);
  });
});

interface FerryErrorLike {
  hint?: string;
}
