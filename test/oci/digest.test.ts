import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import { DigestingStream, digestOf, isDigest, parseDigest, shortDigest, VerifyingStream, verifyBytes } from '../../src/oci/digest.js';
import { caught } from '../helpers/thrown.js';

const HEX64 = 'a'.repeat(64);
const HEX128 = 'b'.repeat(128);

/** Collects what a stream passes on, so tests can check that verified content arrives unchanged. */
function collector(into: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _e, done) {
      into.push(chunk);
      done();
    },
  });
}

describe('parseDigest', () => {
  it.each([
    [`sha256:${HEX64}`, 'sha256', HEX64],
    [`sha512:${HEX128}`, 'sha512', HEX128],
    ['sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'sha256', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'],
  ])('accepts %s', (digest, algorithm, hex) => {
    expect(parseDigest(digest)).toEqual({ algorithm, hex });
    expect(isDigest(digest)).toBe(true);
  });

  it.each([
    ['a path escape', 'sha256:../../x'],
    ['a path escape of the right length', `sha256:../../${'a'.repeat(58)}`],
    ['upper-case hex', `sha256:${'A'.repeat(64)}`],
    ['mixed-case hex', `sha256:${'a'.repeat(63)}F`],
    ['a short sha256', `sha256:${'a'.repeat(63)}`],
    ['a long sha256', `sha256:${'a'.repeat(65)}`],
    ['a sha512 of sha256 length', `sha512:${HEX64}`],
    ['a sha256 of sha512 length', `sha256:${HEX128}`],
    ['md5', `md5:${'a'.repeat(32)}`],
    ['sha384', `sha384:${'a'.repeat(96)}`],
    ['an upper-case algorithm', `SHA256:${HEX64}`],
    ['empty', ''],
    ['no algorithm', `:${HEX64}`],
    ['no colon', HEX64],
    ['a trailing newline', `sha256:${HEX64}\n`],
    ['a leading space', ` sha256:${HEX64}`],
    ['a second colon', `sha256:sha256:${'a'.repeat(57)}`],
    ['a slash', `sha256:${'a'.repeat(63)}/`],
    ['non-hex letters', `sha256:${'g'.repeat(64)}`],
  ])('rejects %s', (_what, digest) => {
    const err = caught(() => parseDigest(digest, 'index.json'));
    expect(err.code).toBe('ERR_INVALID_DIGEST');
    expect(err.path).toBe('index.json');
    expect(err.message).toContain('index.json');
    expect(err.message).not.toContain('\n');
    expect(err.hint).toBeTruthy();
    expect(isDigest(digest)).toBe(false);
  });

  it('quotes at most 160 characters of a hostile digest', () => {
    const err = caught(() => parseDigest(`sha256:${'x'.repeat(100_000)}`));
    expect(err.message.length).toBeLessThan(300);
  });
});

describe('digestOf, shortDigest, verifyBytes', () => {
  it('hashes bytes and strings with the named algorithm', () => {
    expect(digestOf('{}')).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(digestOf(Buffer.from('{}'))).toBe(digestOf('{}'));
    expect(digestOf('abc', 'sha512')).toBe(`sha512:${createHash('sha512').update('abc').digest('hex')}`);
  });

  it('shortens for messages', () => {
    expect(shortDigest(`sha256:0123456789abcdef${'0'.repeat(48)}`)).toBe('sha256:0123456789ab');
  });

  it('verifies bytes in memory', () => {
    const bytes = Buffer.from('hello');
    expect(() => verifyBytes(bytes, { digest: digestOf(bytes), size: 5 })).not.toThrow();
    expect(caught(() => verifyBytes(bytes, { digest: digestOf(bytes), size: 6 }, 'blob')).code).toBe('ERR_SIZE_MISMATCH');
    expect(caught(() => verifyBytes(bytes, { digest: digestOf('other'), size: 5 }, 'blob')).code).toBe('ERR_DIGEST_MISMATCH');
    expect(caught(() => verifyBytes(bytes, { digest: 'sha256:nope', size: 5 }, 'blob')).code).toBe('ERR_INVALID_DIGEST');
  });
});

describe('VerifyingStream', () => {
  const content = Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(1000));
  const chunks = (buf: Buffer, size: number) => Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));

  it.each(['sha256', 'sha512'] as const)('passes good %s content through unchanged', async (algorithm) => {
    const out: Buffer[] = [];
    await pipeline(Readable.from(chunks(content, 777)), new VerifyingStream({ digest: digestOf(content, algorithm), size: content.length }, 'blob'), collector(out));
    expect(Buffer.concat(out).equals(content)).toBe(true);
  });

  it('passes empty content with the empty digest', async () => {
    await pipeline(Readable.from([]), new VerifyingStream({ digest: digestOf(''), size: 0 }), collector([]));
  });

  it('fails a wrong digest with ERR_DIGEST_MISMATCH naming the blob', async () => {
    const expected = { digest: digestOf('something else'), size: content.length };
    const err = await pipeline(Readable.from(chunks(content, 1000)), new VerifyingStream(expected, 'blobs/sha256/x'), collector([])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect(err).toMatchObject({ code: 'ERR_DIGEST_MISMATCH', digest: expected.digest, path: 'blobs/sha256/x' });
    expect((err as FerryError).message).toContain(digestOf(content));
  });

  it('fails short content with ERR_SIZE_MISMATCH', async () => {
    const short = content.subarray(0, content.length - 1);
    const err = await pipeline(Readable.from([short]), new VerifyingStream({ digest: digestOf(content), size: content.length }, 'layer'), collector([])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SIZE_MISMATCH', path: 'layer' });
    expect((err as FerryError).message).toContain(`${short.length} bytes, expected ${content.length}`);
  });

  it('fails too-long content as soon as it exceeds the size, without reading the rest', async () => {
    let produced = 0;
    // An endless source: the test only ends if the verifier stops it.
    async function* endless() {
      for (;;) {
        produced++;
        yield Buffer.alloc(1024, 1);
      }
    }
    const err = await pipeline(Readable.from(endless()), new VerifyingStream({ digest: digestOf('x'), size: 10 * 1024 }, 'hostile'), collector([])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SIZE_MISMATCH', path: 'hostile' });
    expect((err as FerryError).message).toContain('more than');
    // 11 chunks reach the verifier; a few more may sit in stream buffers.
    expect(produced).toBeLessThan(64);
  });

  it('does not pass on the chunk that exceeds the size', async () => {
    const out: Buffer[] = [];
    const err = await pipeline(Readable.from([Buffer.from('abc'), Buffer.from('def')]), new VerifyingStream({ digest: digestOf('abc'), size: 4 }), collector(out)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SIZE_MISMATCH' });
    expect(Buffer.concat(out).toString()).toBe('abc');
  });

  it('refuses an invalid expected digest up front', () => {
    expect(() => new VerifyingStream({ digest: 'sha256:../../etc/passwd', size: 1 }, 'index.json')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_DIGEST', path: 'index.json' }),
    );
  });
});

describe('DigestingStream', () => {
  it('reports digest and size of what flowed through, after the end', async () => {
    const stream = new DigestingStream('sha512');
    expect(() => stream.digest).toThrow();
    const out: Buffer[] = [];
    await pipeline(Readable.from([Buffer.from('ab'), Buffer.from('c')]), stream, collector(out));
    expect(stream.digest).toEqual({ digest: digestOf('abc', 'sha512'), size: 3 });
    expect(Buffer.concat(out).toString()).toBe('abc');
  });
});
