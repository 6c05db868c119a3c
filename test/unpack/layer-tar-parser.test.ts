import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntryHeader } from '../../src/unpack/layer-applier.js';
import { LayerTarParser, type TarEntrySink } from '../../src/unpack/layer-tar-parser.js';
import { mixedBytes } from '../helpers/realistic-image.js';
import { tarBytes } from '../helpers/tar.js';
import { type TempDir, tempDir } from '../helpers/temp-dir.js';

/** An entry as both parsers are compared on: the header fields the applier reads, and the content. */
interface Parsed {
  header: Required<Pick<EntryHeader, 'name' | 'type'>> & Omit<EntryHeader, 'name' | 'type'>;
  content: Buffer;
}

/** The layer the parser names in its errors. */
const LAYER = `sha256:${'ab'.repeat(32)}`;

/** The Python the machine has (Debian 12: 3.11). */
const PYTHON_MINOR = readdirSync('/usr/lib').find((name) => /^python3\.\d+$/.test(name))?.slice('python3.'.length) ?? '11';

const FIELDS = ['name', 'type', 'size', 'mode', 'uid', 'gid', 'mtime', 'linkname', 'pax'] as const;

function pick(header: EntryHeader): Parsed['header'] {
  return Object.fromEntries(FIELDS.map((field) => [field, header[field]])) as Parsed['header'];
}

/** Parses `bytes` with LayerTarParser, written in chunks of the given sizes (cycled); `slow` makes the sink wait. */
async function parse(bytes: Buffer, chunkSizes: number[] = [64 * 1024], slow = false): Promise<Parsed[]> {
  const entries: Parsed[] = [];
  const pending: Buffer[] = [];
  let calls = 0;
  const wait = () => (slow && ++calls % 3 === 0 ? new Promise<void>((resolve) => setTimeout(resolve, 1)) : undefined);
  const sink: TarEntrySink = {
    header(header) {
      if (entries.length > 0) entries.at(-1)!.content = Buffer.concat(pending.splice(0));
      entries.push({ header: pick(header), content: Buffer.alloc(0) });
      return wait();
    },
    content(chunk) {
      // Copied: the parser hands out views of the chunk being written.
      pending.push(Buffer.from(chunk));
      return wait();
    },
  };
  await pipeline(Readable.from(chunked(bytes, chunkSizes)), new LayerTarParser(sink, LAYER));
  if (entries.length > 0) entries.at(-1)!.content = Buffer.concat(pending.splice(0));
  return entries;
}

function* chunked(bytes: Buffer, sizes: number[]): Generator<Buffer> {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

/** What tar-stream's extract makes of the same bytes, for comparison. */
async function parseWithTarStream(bytes: Buffer): Promise<Parsed[]> {
  const extract = tar.extract();
  const entries: Parsed[] = [];
  const feeding = pipeline(Readable.from([bytes]), extract);
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const chunk of entry) parts.push(chunk as Buffer);
    entries.push({ header: pick(entry.header as EntryHeader), content: Buffer.concat(parts) });
  }
  await feeding;
  return entries;
}

/** A header block with its checksum fixed up after `edit` changed it. */
function withChecksum(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

describe('layer tar parser', () => {
  let tmp: TempDir;
  let gnuTar: Buffer;
  let posixTar: Buffer;

  beforeAll(async () => {
    tmp = await tempDir('ferry-tar-parser-');
    // A tree with what real layers hold: long names and link targets, hardlinks, a file of several MB, ids that
    // need base-256 (GNU) or PAX records (POSIX), sizes that are and are not multiples of 512.
    const root = join(tmp.dir, 'tree');
    const deep = join(root, 'usr', 'lib', 'python3.11', 'site-packages', 'a'.repeat(60), 'b'.repeat(60));
    await mkdir(deep, { recursive: true });
    await writeFile(join(deep, `${'c'.repeat(90)}.py`), 'print("deep")\n');
    await writeFile(join(root, 'usr', 'lib', 'big.so'), mixedBytes(3 * 1024 * 1024 + 77, 7));
    await writeFile(join(root, 'usr', 'lib', 'block.bin'), mixedBytes(4096, 8));
    await writeFile(join(root, 'usr', 'lib', 'empty'), '');
    await link(join(root, 'usr', 'lib', 'block.bin'), join(root, 'usr', 'lib', 'block-hardlink.bin'));
    await symlink(join('python3.11', 'site-packages', 'a'.repeat(60), 'b'.repeat(60), `${'c'.repeat(90)}.py`), join(root, 'usr', 'lib', 'deep-link'));
    await writeFile(join(root, 'ünïcode-名前.txt'), 'utf-8 name\n');
    const common = ['-C', root, '--sort=name', '--mtime=2021-03-04 05:06:07', '--owner=builder:3000000', '--group=staff:2200000', '-cf', '-', '.'];
    gnuTar = execFileSync('tar', ['--format=gnu', ...common], { maxBuffer: 64 * 1024 * 1024 });
    posixTar = execFileSync('tar', ['--format=posix', '--pax-option=delete=atime,delete=ctime', ...common], { maxBuffer: 64 * 1024 * 1024 });
  });
  afterAll(() => tmp.cleanup());

  it('parses GNU tar archives (long names, base-256 ids) to what tar-stream makes of them, in any chunking', async () => {
    const expected = await parseWithTarStream(gnuTar);
    expect(expected.find((e) => e.header.uid === 3000000)).toBeDefined();
    expect(expected.find((e) => e.header.name.length > 200)).toBeDefined();
    for (const sizes of [[65536], [1], [511, 513, 1024], [7, 100_003, 512]]) {
      const parsed = await parse(gnuTar, sizes);
      expect(parsed.map((e) => e.header)).toEqual(expected.map((e) => e.header));
      expect(parsed.every((e, i) => e.content.equals(expected[i]!.content))).toBe(true);
    }
  });

  it('parses POSIX (PAX) archives, with a sink that keeps asking the parser to wait, to what tar-stream makes of them', async () => {
    const expected = await parseWithTarStream(posixTar);
    expect(expected.some((e) => e.header.pax && e.header.pax.uid === '3000000')).toBe(true);
    const parsed = await parse(posixTar, [4096, 333], true);
    expect(parsed.map((e) => e.header)).toEqual(expected.map((e) => e.header));
    expect(parsed.every((e, i) => e.content.equals(expected[i]!.content))).toBe(true);
    expect(parsed.find((e) => e.header.name.endsWith('big.so'))!.content.length).toBe(3 * 1024 * 1024 + 77);
  });

  it('reads ustar prefixes, global PAX records and GNU long names as tar-stream does', async () => {
    const longName = `${'p'.repeat(120)}/${'q'.repeat(80)}`;
    const bytes = await tarBytes([
      { name: longName, data: 'prefixed' },
      { name: 'with-pax', data: 'x', pax: { 'SCHILY.xattr.user.k': 'v', comment: 'ü' } },
      { name: 'dir', type: 'directory' },
      { name: 'ln', type: 'symlink', linkname: `${'t'.repeat(150)}` },
    ]);
    const expected = await parseWithTarStream(bytes);
    expect(expected[0]!.header.name).toBe(longName);
    const parsed = await parse(bytes, [300]);
    expect(parsed).toEqual(expected);
  });

  it('names the layer on a bad checksum, an unknown format and an oversized long header (ERR_INVALID_DOCUMENT)', async () => {
    const good = await tarBytes([{ name: 'a', data: 'hello' }]);
    const badSum = Buffer.from(good);
    badSum[0] = 0x62;
    await expect(parse(badSum)).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT', message: expect.stringMatching(new RegExp(`^layer ${LAYER} is not a valid tar archive \\(Invalid tar header`)), digest: LAYER });
    const unknown = Buffer.from(good);
    unknown.write('xxxxx', 257, 'latin1');
    withChecksum(unknown.subarray(0, 512));
    await expect(parse(unknown)).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT', message: expect.stringContaining('unknown format') });
    const huge = Buffer.from(good);
    huge[156] = 0x78; // 'x': a PAX header claiming 5 MiB
    huge.write(`${(5 * 1024 * 1024).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    withChecksum(huge.subarray(0, 512));
    await expect(parse(huge)).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT', message: expect.stringContaining('Header exceeds max size') });
  });

  it('calls input cut inside a header, an entry or its padding truncated (ERR_TRUNCATED), at every cut', async () => {
    const bytes = await tarBytes([
      { name: 'one', data: 'x'.repeat(700) },
      { name: 'two', data: mixedBytes(5000, 3) },
    ]);
    const boundaries = new Set([0, 512 + 1024, 512 + 1024 + 512 + 5120]);
    for (let cut = 1; cut < 512 + 1024 + 512 + 5120; cut += 97) {
      if (boundaries.has(cut)) continue;
      await expect(parse(bytes.subarray(0, cut), [250])).rejects.toMatchObject({ code: 'ERR_TRUNCATED', message: expect.stringContaining('a truncated tar archive') });
    }
  });

  it('reads a directory entry that claims content as header-only (no stall, what follows is the next header)', async () => {
    const bytes = await tarBytes([{ name: 'd', type: 'directory' }, { name: 'after', data: 'ok' }]);
    const dir = Buffer.from(bytes);
    dir.write(`${(4096).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
    withChecksum(dir.subarray(0, 512));
    const parsed = await parse(dir);
    expect(parsed.map((e) => [e.header.name, e.content.toString()])).toEqual([
      ['d', ''],
      ['after', 'ok'],
    ]);
  });

  it("parses a tar of the machine's own /usr/share/zoneinfo and Python standard library (thousands of entries) as tar-stream does", async () => {
    const bytes = execFileSync('tar', ['-C', '/usr', '-cf', '-', 'share/zoneinfo', `lib/python3.${PYTHON_MINOR}`], { maxBuffer: 256 * 1024 * 1024 });
    const expected = await parseWithTarStream(bytes);
    expect(expected.length).toBeGreaterThan(2000);
    const parsed = await parse(bytes, [256 * 1024, 4093]);
    expect(parsed.map((e) => e.header)).toEqual(expected.map((e) => e.header));
    expect(parsed.every((e, i) => e.content.equals(expected[i]!.content))).toBe(true);
  });
});
