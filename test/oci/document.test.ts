import { describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { MAX_DOCUMENT_BYTES, parseDocument, serializeDocument } from '../../src/oci/document.js';
import { IndexSchema } from '../../src/oci/schemas.js';
import { caught } from '../helpers/thrown.js';

/** A valid index padded with an annotation to exactly `size` bytes. */
function paddedIndex(size: number): Buffer {
  const head = '{"schemaVersion":2,"manifests":[],"annotations":{"pad":"';
  const tail = '"}}';
  return Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail);
}

describe('parseDocument size cap', () => {
  it('accepts a document of exactly the cap', () => {
    const bytes = paddedIndex(MAX_DOCUMENT_BYTES);
    expect(bytes.length).toBe(MAX_DOCUMENT_BYTES);
    expect(parseDocument(IndexSchema, bytes, 'index.json').value.manifests).toEqual([]);
  });

  it('refuses one byte more with ERR_TOO_LARGE before parsing', () => {
    const err = caught(() => parseDocument(IndexSchema, paddedIndex(MAX_DOCUMENT_BYTES + 1), 'image.tar:index.json'));
    expect(err).toMatchObject({ code: 'ERR_TOO_LARGE', path: 'image.tar:index.json' });
    expect(err.message).toContain('image.tar:index.json');
    expect(err.hint).toBeTruthy();
    // Even bytes that are not JSON fail on size, so nothing is parsed.
    expect(caught(() => parseDocument(IndexSchema, Buffer.alloc(MAX_DOCUMENT_BYTES + 1, 0xff), 'x')).code).toBe('ERR_TOO_LARGE');
  });
});

describe('parseDocument keeps the exact bytes', () => {
  it.each([
    ['pretty-printed with CRLF', '{\r\n  "schemaVersion": 2,\r\n  "manifests": []\r\n}\r\n'],
    ['unusual key order and escapes', '{"manifests":[],"annotations":{"n":"caf\\u00e9 \\/ </script>"},"schemaVersion":2}'],
    ['numbers written differently', '{"schemaVersion":2.0,"manifests":[{"mediaType":"m","digest":"sha256:' + 'a'.repeat(64) + '","size":1e3}]}'],
    ['duplicate keys', '{"schemaVersion":2,"manifests":[],"manifests":[]}'],
    ['leading whitespace and raw UTF-8', ' \n{"schemaVersion":2,"manifests":[],"annotations":{"t":"日本"}}'],
  ])('%s', (_what, text) => {
    const bytes = Buffer.from(text, 'utf8');
    const doc = parseDocument(IndexSchema, bytes, 'index.json');
    expect(doc.bytes).toBe(bytes);
    expect(digestOf(doc.bytes)).toBe(digestOf(text));
    // Re-serializing would give different bytes, which is why the raw bytes are kept.
    expect(serializeDocument(doc.value).equals(bytes)).toBe(false);
  });

  it('parses values as JSON defines them', () => {
    const { value } = parseDocument(IndexSchema, Buffer.from('{"schemaVersion":2.0,"manifests":[{"mediaType":"m","digest":"sha256:' + 'a'.repeat(64) + '","size":1e3}],"annotations":{"n":"caf\\u00e9"}}'), 'x');
    expect(value.manifests[0]?.size).toBe(1000);
    expect(value.annotations?.n).toBe('café');
  });
});

describe('parseDocument errors are one printable line', () => {
  it.each([
    ['a JSON error quoting the document', Buffer.from('hello\n\u001b[31mred\nworld')],
    ['a schema path made of hostile keys', Buffer.from('{"schemaVersion":2,"manifests":[],"annotations":{"a\\n\\u001b[2J":1}}')],
    ['a huge invalid document', Buffer.from(`"${'\\n'.repeat(100_000)}`)],
  ])('%s', (_what, bytes) => {
    const err = caught(() => parseDocument(IndexSchema, bytes, 'index.json'));
    expect(err.code).toBe('ERR_INVALID_DOCUMENT');
    expect(err.toLine()).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(err.message.length).toBeLessThan(300);
    expect(err.hint).toBeTruthy();
  });
});

describe('serializeDocument', () => {
  it('writes compact JSON in insertion order', () => {
    const bytes = serializeDocument({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] });
    expect(bytes.toString()).toBe('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}');
  });
});
