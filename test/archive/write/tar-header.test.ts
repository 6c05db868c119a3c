import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { contentPadding, encodeHeader, TAR_BLOCK_SIZE } from '../../../src/archive/write/tar-header.js';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/mediatypes.js';
import { MemoryContent } from '../../helpers/memory-content.js';
import { readTar } from '../../helpers/tar.js';
import { writeToBuffer } from './write-helpers.js';

function field(block: Buffer, offset: number, width: number): string {
  return block.subarray(offset, offset + width).toString('latin1');
}

describe('encodeHeader', () => {
  it.each([
    { header: { name: 'index.json', type: 'file', size: 1234, mtime: 0 }, mode: '0000644\0', size: '00000002322\0', typeflag: '0' },
    { header: { name: 'blobs/', type: 'directory', size: 0, mtime: 1700000000 }, mode: '0000755\0', size: '00000000000\0', typeflag: '5' },
  ] as const)('encodes $header.name as one ustar block', ({ header, mode, size, typeflag }) => {
    const block = encodeHeader(header);
    expect(block.length).toBe(TAR_BLOCK_SIZE);
    expect(field(block, 0, header.name.length + 1)).toBe(`${header.name}\0`);
    expect(field(block, 100, 8)).toBe(mode);
    expect(field(block, 108, 16)).toBe('0000000\u00000000000\0');
    expect(field(block, 124, 12)).toBe(size);
    expect(field(block, 136, 12)).toBe(`${header.mtime.toString(8).padStart(11, '0')}\0`);
    expect(field(block, 156, 1)).toBe(typeflag);
    // The checksum is the byte sum with the checksum field read as spaces.
    const sum = [...block].reduce((s, b, i) => s + (i >= 148 && i < 156 ? 32 : b), 0);
    expect(parseInt(field(block, 148, 6), 8)).toBe(sum);
  });

  it('carries a name longer than 100 bytes and a size of 8 GiB or more in a PAX header', () => {
    const name = `blobs/sha512/${'ab'.repeat(64)}`;
    const size = 2 ** 33 + 5;
    const bytes = encodeHeader({ name, type: 'file', size, mtime: 0 });
    expect(bytes.length).toBe(3 * TAR_BLOCK_SIZE);
    expect(field(bytes, 156, 1)).toBe('x');
    const records = field(bytes, TAR_BLOCK_SIZE, parseInt(field(bytes, 124, 11), 8));
    expect(records).toBe(`${name.length + 10} path=${name}\n19 size=${size}\n`);
    for (const record of records.split('\n').filter(Boolean)) expect(Buffer.byteLength(`${record}\n`)).toBe(parseInt(record, 10));
    expect(field(bytes, 2 * TAR_BLOCK_SIZE + 156, 1)).toBe('0');
  });

  it.each([
    [0, 0],
    [1, 511],
    [512, 0],
    [513, 511],
  ])('pads %i content bytes with %i zeros', (size, padding) => {
    expect(contentPadding(size)).toEqual(Buffer.alloc(padding));
  });
});

describe('archives with sha512 blobs', () => {
  it('are read back, long names included, by tar-stream and GNU tar', async () => {
    const content = new MemoryContent();
    const bytes = Buffer.from('{"hello":"sha512"}');
    const digest = digestOf(bytes, 'sha512');
    content.blobs.set(digest, bytes);
    const desc = { mediaType: MediaType.ociConfig, digest, size: bytes.length };
    const archive = (await writeToBuffer(content, { images: [], blobs: [desc] })).bytes;
    const path = `blobs/sha512/${digest.slice(7)}`;

    const entries = await readTar(archive);
    expect(entries.map((e) => e.name)).toEqual(['oci-layout', 'index.json', 'blobs/', 'blobs/sha512/', path]);
    expect(entries[4]?.data.equals(bytes)).toBe(true);
    const listed = execFileSync('tar', ['-tf', '-'], { input: archive }).toString().trim().split('\n');
    expect(listed).toEqual(['oci-layout', 'index.json', 'blobs/', 'blobs/sha512/', path]);
  });
});
