/**
 * Archives are attacker-controlled. Each case is named after what it prevents; hostile tars are built in code.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readArchive } from '../../../src/archive/read/index.js';
import { MAX_RETAINED_BYTES, scanArchive } from '../../../src/archive/read/scan.js';
import type { ErrorCode } from '../../../src/errors.js';
import { isFerryError } from '../../../src/errors.js';
import type { Descriptor } from '../../../src/oci/descriptor.js';
import { digestOf } from '../../../src/oci/digest.js';
import { ociLayoutTar } from '../../helpers/archive-fixtures.js';
import { buildImage } from '../../helpers/image-builder.js';
import { MemoryContent } from '../../helpers/memory-content.js';
import { type TarEntry, tarBytes } from '../../helpers/tar.js';
import { expectReadError, read } from './read-helpers.js';

const LAYOUT: TarEntry[] = [
  { name: 'oci-layout', data: '{"imageLayoutVersion":"1.0.0"}' },
  { name: 'index.json', data: '{"schemaVersion":2,"manifests":[]}' },
];
const HEX = 'a'.repeat(64);
const hugeSize = { size: String(2 ** 40) };

describe('readArchive refuses hostile archives', () => {
  it.each<[string, TarEntry[], ErrorCode]>([
    ['entry names climbing out with ..', [{ name: 'a/../../evil', data: 'x' }], 'ERR_UNSAFE_PATH'],
    ['absolute entry names', [{ name: '/etc/evil', data: 'x' }], 'ERR_UNSAFE_PATH'],
    ['symlinks escaping the archive', [{ name: 'abc/layer.tar', type: 'symlink', linkname: '../../etc/shadow' }], 'ERR_UNSAFE_PATH'],
    ['absolute symlink targets', [{ name: 'abc/layer.tar', type: 'symlink', linkname: '/etc/shadow' }], 'ERR_UNSAFE_PATH'],
    ['hard links escaping the archive', [{ name: 'abc/layer.tar', type: 'link', linkname: '../outside' }], 'ERR_UNSAFE_PATH'],
    ['blob paths escaping blobs/', [{ name: 'blobs/sha256/../../x', data: 'x' }], 'ERR_UNSAFE_PATH'],
    ['blob names that are not hex digests', [{ name: 'blobs/sha256/not-hex', data: 'x' }], 'ERR_INVALID_DIGEST'],
    ['blob names with an unknown algorithm', [{ name: `blobs/md5/${'a'.repeat(32)}`, data: 'x' }], 'ERR_INVALID_DIGEST'],
    ['nested files under blobs/', [{ name: `blobs/sha256/${HEX}/x`, data: 'x' }], 'ERR_INVALID_DIGEST'],
    ['blobs whose content does not match their name', [{ name: `blobs/sha256/${HEX}`, data: 'not a' }], 'ERR_DIGEST_MISMATCH'],
    ['duplicate entries with different content', [{ name: 'x.tar', data: 'one' }, { name: './x.tar', data: 'two' }], 'ERR_CONFLICT'],
    ['a file and a link of the same name', [{ name: 'x.tar', data: 'one' }, { name: 'x.tar', type: 'symlink', linkname: 'y.tar' }], 'ERR_CONFLICT'],
    ['a metadata file claiming a huge size', [{ name: 'manifest.json', data: '[]', pax: hugeSize }], 'ERR_TOO_LARGE'],
    ['an index.json claiming a huge size', [{ name: 'index.json', data: '{}', pax: hugeSize }], 'ERR_TOO_LARGE'],
  ])('%s', async (_what, entries, code) => {
    await expectReadError(await tarBytes([...LAYOUT.slice(0, 1), ...entries]), code);
  });

  it('names the entry whose content does not match its digest', async () => {
    const err = await expectReadError(await tarBytes([...LAYOUT, { name: `blobs/sha256/${HEX}`, data: 'tampered' }]), 'ERR_DIGEST_MISMATCH');
    expect(err.path).toBe(`test.tar:blobs/sha256/${HEX}`);
    expect(err.message).toContain(`blobs/sha256/${HEX}`);
  });

  it('refuses symlink loops that manifest.json leads into', async () => {
    const archive = await tarBytes([
      { name: 'a.tar', type: 'symlink', linkname: 'b.tar' },
      { name: 'b.tar', type: 'symlink', linkname: 'a.tar' },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'a.tar', RepoTags: null, Layers: [] }]) },
    ]);
    await expectReadError(archive, 'ERR_UNSAFE_PATH');
  });

  it('refuses manifest.json paths that climb out of the archive', async () => {
    const archive = await tarBytes([{ name: 'manifest.json', data: JSON.stringify([{ Config: '../../etc/passwd', RepoTags: null, Layers: [] }]) }]);
    await expectReadError(archive, 'ERR_UNSAFE_PATH');
  });

  it('accepts duplicate entries with the same content, and hard links as aliases', async () => {
    const image = await buildImage({ format: 'docker', compression: 'none', platforms: [{ os: 'linux', architecture: 'amd64' }] });
    const m = image.manifests[0]!;
    const layer = (i: number) => image.content.blobs.get(m.layers[i]!.desc.digest)!;
    const config = `${m.config.desc.digest.slice(7)}.json`;
    const archive = await tarBytes([
      { name: config, data: m.config.bytes },
      { name: 'one/layer.tar', data: layer(0) },
      { name: 'two/layer.tar', data: layer(1) },
      { name: './one/layer.tar', data: layer(0) },
      { name: 'three/layer.tar', type: 'link', linkname: 'two/layer.tar' },
      { name: 'manifest.json', data: JSON.stringify([{ Config: config, RepoTags: null, Layers: ['one/layer.tar', 'three/layer.tar'] }]) },
    ]);
    const { contents } = await read(archive);
    expect(contents.images[0]!.target.digest).toBe(m.desc.digest);
  });

  describe('truncation', () => {
    it.each([
      ['in the middle of a file', 0.5],
      ['in the middle of a header', -1],
    ])('reports a tar cut %s as truncated', async (_where, fraction) => {
      const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }], padding: 100_000 });
      const archive = await ociLayoutTar({ images: [{ image }] });
      const cut = fraction > 0 ? Math.floor(archive.length * fraction) : 512 + 100; // oci-layout's header, its data block, 100 bytes of the next header
      await expectReadError(archive.subarray(0, cut), 'ERR_TRUNCATED');
    });
  });

  describe('no hanging on failure', () => {
    it('destroys an endless input when an entry is refused', async () => {
      const hostile = (await tarBytes([{ name: '../evil', data: 'x' }])).subarray(0, 1024); // no end-of-archive marker
      const input = new Readable({ read() {} });
      input.push(hostile);
      const err = await readArchive(input, new MemoryContent(), { where: 'stdin' }).catch((e: unknown) => e);
      expect(isFerryError(err, 'ERR_UNSAFE_PATH')).toBe(true);
      expect(input.destroyed).toBe(true);
    });

    it('moves past blobs a deduplicating sink did not read', async () => {
      const image = await buildImage({ platforms: [{ os: 'linux', architecture: 'amd64' }] });
      const layout = await ociLayoutTar({ images: [{ image }] });
      class DedupingSink extends MemoryContent {
        override async write(desc: Descriptor, stream: Readable): Promise<void> {
          if (await this.has(desc)) return; // returns without consuming the stream
          return super.write(desc, stream);
        }
      }
      const sink = new DedupingSink(image.content.blobs);
      const contents = await readArchive(Readable.from([layout]), sink, { where: 'test.tar' });
      expect(contents.images[0]!.target.digest).toBe(image.index.desc.digest);
      for (const digest of image.content.blobs.keys()) expect(contents.blobs.has(digest)).toBe(true);
    });
  });

  it('does not keep unbounded numbers of <hex>.json configs in memory', async () => {
    // Ten 7.5 MiB configs (a gzip of them is tiny) are more than the retention budget together.
    const big = Buffer.concat([Buffer.from('{'), Buffer.alloc(7.5 * 1024 * 1024, 0x20), Buffer.from('}')]);
    const entries = Array.from({ length: 10 }, (_, i): TarEntry => ({ name: `${i.toString(16).padStart(64, '0')}.json`, data: big }));
    const scan = await scanArchive(Readable.from([await tarBytes(entries)]), new MemoryContent(), 'test.tar', { maxBytes: 2 ** 40, ratio: 1000 }, { undecided: 'write', cap: 2 ** 40, plainExempt: true });
    const retained = [...scan.documents.values()].reduce((sum, bytes) => sum + bytes.length, 0);
    expect(retained).toBeGreaterThan(0);
    expect(retained).toBeLessThanOrEqual(MAX_RETAINED_BYTES);
    expect(scan.files.size).toBe(10);
  });

  it('keeps the digest of every unknown file it hashed, until the archive is known to be an OCI layout', async () => {
    const { contents } = await read(await tarBytes([{ name: 'README', data: 'hello' }, ...LAYOUT]));
    expect(contents.blobs.get(digestOf('hello'))).toBe(5);
  });

  it('does not write an entry an OCI layout never reads once its oci-layout has been seen', async () => {
    const { contents } = await read(await tarBytes([...LAYOUT, { name: 'README', data: 'hello' }]));
    expect(contents.blobs.has(digestOf('hello'))).toBe(false);
  });
});
