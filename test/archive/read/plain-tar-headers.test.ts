/**
 * The header walker behind the survey of plain tar files must see the entries tar-stream sees — ustar prefixes,
 * PAX names and sizes, GNU long names, links — and give up (false) on what it does not read with certainty.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlainTarVisitor, walkPlainTar } from '../../../src/archive/read/plain-tar-headers.js';
import { tarBytes } from '../../helpers/tar.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-headers-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

type Seen = [string, string, number | string];

/** What the walker reports, or false. */
async function walked(path: string): Promise<Seen[] | false> {
  const seen: Seen[] = [];
  const visitor: PlainTarVisitor = {
    file: async (name, size, read) => seen.push(['file', name, (await read()).toString('latin1').slice(0, 8) + `:${size}`]),
    link: (name, target, hard) => seen.push([hard ? 'link' : 'symlink', name, target]),
  };
  return (await walkPlainTar(path, visitor)) && seen;
}

/** What tar-stream reports for the same bytes. */
async function extracted(bytes: Buffer): Promise<Seen[]> {
  const seen: Seen[] = [];
  const extract = tar.extract();
  Readable.from([bytes]).pipe(extract);
  for await (const entry of extract) {
    const { header } = entry;
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    if (header.type === 'file') seen.push(['file', header.name, Buffer.concat(chunks).toString('latin1').slice(0, 8) + `:${header.size}`]);
    if (header.type === 'symlink' || header.type === 'link') seen.push([header.type, header.name, header.linkname!]);
  }
  return seen;
}

describe('walkPlainTar', () => {
  it('sees what tar-stream sees in ustar and PAX archives (prefixed and long names, links)', async () => {
    const bytes = await tarBytes([
      { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
      { name: 'blobs/', type: 'directory' },
      { name: `${'d'.repeat(90)}/${'f'.repeat(90)}`, data: 'prefixed' },
      { name: `${'n'.repeat(300)}.json`, data: '{"long":true}' },
      { name: 'paxed', data: '{"pax":1}', pax: { path: 'renamed/by/pax', comment: 'x' } },
      { name: 'a/layer.tar', type: 'symlink', linkname: `../${'t'.repeat(200)}.tar` },
      { name: 'hard', type: 'link', linkname: 'oci-layout' },
      { name: 'empty', data: '' },
    ]);
    const path = join(dir, 'pax.tar');
    await writeFile(path, bytes);
    const seen = await walked(path);
    expect(seen).toEqual(await extracted(bytes));
    expect(seen).not.toBe(false);
    expect((seen as Seen[]).map((s) => s[1])).toContain('renamed/by/pax');
  });

  it('sees what tar-stream sees in a GNU tar with long names and links, as GNU tar writes them', async () => {
    const tree = join(dir, 'tree');
    const long = `${'l'.repeat(120)}/${'m'.repeat(120)}`;
    await mkdir(join(tree, long), { recursive: true });
    await writeFile(join(tree, long, 'file.json'), '{"gnu":true}');
    await symlink(`${long}/file.json`, join(tree, 'link'));
    const path = join(dir, 'gnu.tar');
    execFileSync('tar', ['--format=gnu', '--sort=name', '-cf', path, '-C', tree, '.']);
    const seen = await walked(path);
    expect(seen).not.toBe(false);
    expect(seen).toEqual(await extracted(execFileSync('cat', [path])));
  });

  it('gives up on a compressed file, a bad checksum and a file cut short', async () => {
    const bytes = await tarBytes([{ name: 'a', data: 'x'.repeat(2000) }]);
    const cases: [string, Buffer][] = [
      ['gz.tar', gzipSync(bytes)],
      ['checksum.tar', Buffer.concat([Buffer.from('z'), bytes.subarray(1)])],
      ['cut.tar', bytes.subarray(0, 1024)],
    ];
    for (const [name, data] of cases) {
      await writeFile(join(dir, name), data);
      expect(await walked(join(dir, name)), name).toBe(false);
    }
  });
});
