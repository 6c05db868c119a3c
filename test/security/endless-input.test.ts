/**
 * Item 6 of issue 18: input that never ends. The reader stops at the end-of-archive marker (two null blocks, found
 * with tar-stream's own framing): `ferry import - < /dev/zero` is refused at once as holding no image, and
 * `cat valid.tar /dev/zero | ferry import -` imports the valid archive and stops reading. Both finish in bounded time.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EndOfArchive, TRAILER_ALLOWANCE } from '../../src/archive/read/end-of-archive.js';
import { streamToBuffer, tarBytes } from '../helpers/tar.js';
import { validArchive } from './hostile-corpus.js';
import { useImportSandboxes } from './import-sandbox.js';

const BIN = fileURLToPath(new URL('../../bin/ferry', import.meta.url));
const { sandbox } = useImportSandboxes();

/** Runs a shell pipeline ending in ferry, killed after `seconds` (a hang fails the test instead of stalling it). */
function shell(command: string, env: Record<string, string>, seconds: number): Promise<{ code: number | null; stderr: string; stdout: string; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { env: { ...process.env, ...env, FERRY: `${process.execPath} ${BIN}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, seconds * 1000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout, killed });
    });
  });
}

describe.concurrent('ferry import of input that never ends', () => {
  it('prevents `ferry import - < /dev/zero` from running forever: refused at once (ERR_UNSUPPORTED_ARCHIVE)', async () => {
    const box = await sandbox();
    try {
      const result = await shell(`$FERRY --root '${box.store}' import - < /dev/zero`, {}, 90);
      expect(result.killed).toBe(false);
      expect(result.stderr).toMatch(/^ferry: stdin is not an image archive[^\n]*\(ERR_UNSUPPORTED_ARCHIVE\)\n$/);
      expect(result.code).toBe(1);
    } finally {
      await box[Symbol.asyncDispose]();
    }
  });

  it('prevents `cat valid.tar /dev/zero | ferry import -` from running forever: the archive ends at its marker and imports', async () => {
    const box = await sandbox();
    try {
      const file = join(box.inbox, 'valid.tar');
      await writeFile(file, await validArchive('endless'));
      const result = await shell(`cat '${file}' /dev/zero | $FERRY --root '${box.store}' import -`, {}, 90);
      expect(result.killed).toBe(false);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('example.com/hostile:1');
    } finally {
      await box[Symbol.asyncDispose]();
    }
  });
});

describe('EndOfArchive', () => {
  it('passes a tar through up to its marker, PAX sizes and GNU long names included, in odd chunk sizes', async () => {
    const long = `${'d/'.repeat(80)}file`;
    const tar = await tarBytes([
      { name: 'dir/', type: 'directory' },
      { name: long, data: Buffer.alloc(1000, 1) },
      { name: 'pax', data: Buffer.alloc(700, 2), pax: { comment: 'x'.repeat(3000) } },
      { name: 'empty', data: '' },
      { name: 'zeros', data: Buffer.alloc(4096) },
    ]);
    const endless = Buffer.concat([tar, Buffer.alloc(3 * TRAILER_ALLOWANCE)]);
    const chunks = [];
    for (let at = 0, step = 1; at < endless.length; at += step, step = (step * 7 + 3) % 5000 || 1) chunks.push(endless.subarray(at, at + step));
    const guard = new EndOfArchive();
    const out = streamToBuffer(guard);
    // Never settles: the guard holds the input once the allowance after the marker is used up.
    void pipeline(Readable.from(chunks), guard).catch(() => undefined);
    await guard.stopped;
    expect((await out).equals(tar)).toBe(true);
  });
});
