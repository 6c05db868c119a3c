import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ErrorCode } from '../../src/errors.js';
import { runFerry } from '../helpers/cli.js';
import { validArchive } from './hostile-corpus.js';
import { snapshotTree } from './store-snapshot.js';

export const SENTINEL = 'untouched\n';

export interface ImportSandbox {
  base: string;
  store: string;
  outside: string;
  cwd: string;
  inbox: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Sandboxes for hostile imports, each holding a copy of a template store with one image in it (so "unchanged"
 * covers records, blobs and snapshots). `store` sits three levels deep so that ../../.. from a snapshot's rootfs
 * still lands in the sandbox, beside `outside` (with a sentinel file), `cwd` and `in` (the archive).
 */
export function useImportSandboxes(): { sandbox(): Promise<ImportSandbox>; expectRefused(archive: Buffer, code: ErrorCode, env?: Record<string, string>): Promise<string> } {
  let template: string;
  beforeAll(async () => {
    template = await mkdtemp(join(tmpdir(), 'ferry-hostile-template-'));
    const good = join(template, 'good.tar');
    await writeFile(good, await validArchive());
    const result = await runFerry(['--root', join(template, 'store'), 'import', good]);
    expect(result.code, result.stderr).toBe(0);
  });
  afterAll(() => rm(template, { recursive: true, force: true }));

  async function sandbox(): Promise<ImportSandbox> {
    const base = await mkdtemp(join(tmpdir(), 'ferry-hostile-'));
    const paths = { base, store: join(base, 'store'), outside: join(base, 'outside'), cwd: join(base, 'cwd'), inbox: join(base, 'in') };
    for (const dir of [paths.outside, paths.cwd, paths.inbox]) await mkdir(dir);
    await writeFile(join(paths.outside, 'sentinel.txt'), SENTINEL);
    await cp(join(template, 'store'), paths.store, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    return { ...paths, [Symbol.asyncDispose]: () => rm(base, { recursive: true, force: true }) };
  }

  /** Imports `archive`, which must be refused with one line naming `code`, exit 1, and the sandbox unchanged. */
  async function expectRefused(archive: Buffer, code: ErrorCode, env: Record<string, string> = {}): Promise<string> {
    const box = await sandbox();
    try {
      const file = join(box.inbox, 'hostile.tar');
      await writeFile(file, archive);
      const before = await snapshotTree(box.base);
      const result = await runFerry(['--root', box.store, 'import', file], { cwd: box.cwd, env });
      expect(result.stderr).toMatch(new RegExp(`^ferry: [^\\n]+ \\(${code}\\)\\n$`));
      expect(result.code).toBe(1);
      expect(await snapshotTree(box.base)).toEqual(before);
      return result.stderr;
    } finally {
      await box[Symbol.asyncDispose]();
    }
  }
  return { sandbox, expectRefused };
}
