import { describe, expect, it } from 'vitest';
import { ContentInfoMsg, ImageResponseMsg, WriteContentRequestMsg, WriteAction, type WriteContentRequest } from '../../src/daemons/containerd/messages.js';
import { decodeMessage, encodeMessage } from '../../src/daemons/containerd/protobuf.js';

describe('containerd protobuf codec', () => {
  it('round-trips a Write request with data, large offsets and labels', () => {
    const data = Buffer.alloc(1 << 20, 7);
    const req: WriteContentRequest = {
      action: WriteAction.commit,
      ref: 'ferry-sha256:abc',
      total: 2 ** 40 + 3,
      expected: `sha256:${'a'.repeat(64)}`,
      offset: 2 ** 33,
      data,
      labels: { 'containerd.io/gc.ref.content.l.0': `sha256:${'b'.repeat(64)}`, 'containerd.io/gc.ref.content.config': `sha256:${'c'.repeat(64)}` },
    };
    const started = performance.now();
    const decoded = decodeMessage<WriteContentRequest>(WriteContentRequestMsg, encodeMessage(WriteContentRequestMsg, req));
    // A 1 MiB chunk per message: encoding and decoding must cost far less than sending it.
    expect(performance.now() - started).toBeLessThan(200);
    expect(decoded.data!.equals(data)).toBe(true);
    expect({ ...decoded, data: undefined }).toEqual({ ...req, data: undefined });
  });

  it('encodes what protoc does: field tags, varints and map entries', () => {
    // action=1 (varint), ref="r" (length-delimited), labels {k: v} as a nested entry message.
    const bytes = encodeMessage(WriteContentRequestMsg, { action: 1, ref: 'r', labels: { k: 'v' } });
    expect(bytes.toString('hex')).toBe('0801' + '120172' + '3a06' + '0a016b' + '120176');
  });

  it('leaves proto3 defaults off the wire and reads them back as absent', () => {
    expect(encodeMessage(WriteContentRequestMsg, { action: WriteAction.stat, ref: '' }).length).toBe(0);
    expect(decodeMessage(WriteContentRequestMsg, Buffer.alloc(0))).toEqual({});
  });

  it('skips fields it does not know (timestamps), in any position', () => {
    // Info{digest=1, created_at=3 (message), size=2, fixed64 field 9, fixed32 field 10, labels=5}
    const timestamp = Buffer.from('0880a0b6f40510e807', 'hex');
    const bytes = Buffer.concat([
      encodeMessage(ContentInfoMsg, { digest: 'sha256:x' }),
      Buffer.from([0x1a, timestamp.length]),
      timestamp,
      encodeMessage(ContentInfoMsg, { size: 300 }),
      Buffer.from('49' + '0102030405060708', 'hex'),
      Buffer.from('55' + '01020304', 'hex'),
      encodeMessage(ContentInfoMsg, { labels: { a: 'b' } }),
    ]);
    expect(decodeMessage(ContentInfoMsg, bytes)).toEqual({ digest: 'sha256:x', size: 300, labels: { a: 'b' } });
  });

  it('decodes nested messages (an image record and its target)', () => {
    const value = { image: { name: 'docker.io/library/a:1', labels: {}, target: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: 'sha256:x', size: 1542 } } };
    const decoded = decodeMessage<{ image: { name: string; target: { size: number } } }>(ImageResponseMsg, encodeMessage(ImageResponseMsg, value));
    expect(decoded.image.name).toBe('docker.io/library/a:1');
    expect(decoded.image.target.size).toBe(1542);
  });

  it('fails on truncated input instead of reading past it', () => {
    const bytes = encodeMessage(WriteContentRequestMsg, { ref: 'a long enough ref' });
    expect(() => decodeMessage(WriteContentRequestMsg, bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
  });
});
