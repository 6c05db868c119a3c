// Which zstd backend ferry picks by default: on Node < 22.15 (no zlib zstd) the zstd program (Debian package
// `zstd`) decodes and compresses, else fzstd decodes and nothing compresses; node:zlib cannot be hidden, so on
// Node ≥ 22.15 the test checks that it stays first for both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableZstdBackends, createCompressor, createDecompressor, ZSTD_BACKEND_ENV, zstdBackend, zstdCompressorBackend } from '../../src/oci/compression.js';
import { nodeZstd } from '../../src/oci/compression/zstd-backend.js';
import { ProgramStage } from '../../src/oci/compression/program-stage.js';

function withPath<T>(path: string, work: () => T): T {
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    return work();
  } finally {
    process.env.PATH = saved;
  }
}

describe('default zstd backend', () => {
  // The default is the point here, whatever the run forces for the other zstd tests.
  let forced: string | undefined;
  beforeAll(() => {
    forced = process.env[ZSTD_BACKEND_ENV];
    delete process.env[ZSTD_BACKEND_ENV];
  });
  afterAll(() => {
    if (forced !== undefined) process.env[ZSTD_BACKEND_ENV] = forced;
  });

  it.skipIf(nodeZstd() !== undefined)('Node without zlib zstd: the zstd program, before fzstd', () => {
    expect(availableZstdBackends()).toEqual(['zstd-cli', 'fzstd']);
    expect(zstdBackend()).toBe('zstd-cli');
    expect(createDecompressor('zstd')).toBeInstanceOf(ProgramStage);
    // The program compresses too: export --layer-compression zstd and convert --layers zstd work on Node 20.
    expect(zstdCompressorBackend()).toBe('zstd-cli');
    expect(createCompressor('zstd')).toBeInstanceOf(ProgramStage);
  });

  it.skipIf(nodeZstd() !== undefined)('Node without zlib zstd and zstd not on PATH: falls back to fzstd', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ferry-no-zstd-'));
    try {
      withPath(empty, () => {
        expect(availableZstdBackends()).toEqual(['fzstd']);
        expect(zstdBackend()).toBe('fzstd');
        expect(createDecompressor('zstd')).not.toBeInstanceOf(ProgramStage);
        expect(zstdCompressorBackend()).toBeUndefined();
        expect(() => createCompressor('zstd')).toThrow(expect.objectContaining({ code: 'ERR_UNSUPPORTED' }));
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.runIf(nodeZstd() !== undefined)('Node with zlib zstd: node:zlib stays first, the program after it', () => {
    expect(availableZstdBackends()).toEqual(['node:zlib', 'zstd-cli', 'fzstd']);
    expect(zstdBackend()).toBe('node:zlib');
    expect(zstdCompressorBackend()).toBe('node:zlib');
    expect(createCompressor('zstd')).not.toBeInstanceOf(ProgramStage);
  });
});
