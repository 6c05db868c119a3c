import { generateKeyPairSync, sign } from 'node:crypto';
import type { Descriptor } from '../../src/oci/descriptor.js';
import type { BuiltManifest } from './image-builder.js';

/**
 * Docker schema1 manifests built from a BuiltManifest's real layers, with an empty throwaway layer between
 * them, unsigned or signed (ES256, libtrust style) — for conversion and import tests.
 */
/** fsLayers and history, top layer first, as schema1 lists them. */
export function schema1Payload(original: BuiltManifest, emptyLayer: Descriptor): Buffer {
  const [shared, own] = original.layers.map((l) => l.desc.digest);
  const step = (id: string, cmd: string, extra: object = {}) =>
    JSON.stringify({ id, created: '2016-01-01T00:00:00Z', container_config: { Cmd: ['/bin/sh', '-c', cmd] }, ...extra });
  const top = JSON.stringify({
    id: 'd4',
    parent: 'c3',
    created: '2016-01-04T00:00:00Z',
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
    container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD ["/bin/sh"]'] },
  });
  const manifest = {
    schemaVersion: 1,
    name: 'library/app',
    tag: 'old',
    architecture: 'amd64',
    fsLayers: [{ blobSum: emptyLayer.digest }, { blobSum: own }, { blobSum: emptyLayer.digest }, { blobSum: shared }],
    history: [
      { v1Compatibility: top },
      { v1Compatibility: step('c3', 'ADD app', { parent: 'b2' }) },
      { v1Compatibility: step('b2', '#(nop) ENV A=1', { parent: 'a1', throwaway: true }) },
      { v1Compatibility: step('a1', 'ADD base') },
    ],
  };
  return Buffer.from(JSON.stringify(manifest, null, 3));
}

/** libtrust's pretty JWS: the signatures spliced in before the closing brace, found again via formatLength/formatTail. */
export function signSchema1(payload: Buffer, tamper = false): Buffer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tail = Buffer.from('\n}');
  const formatLength = payload.length - tail.length;
  const protectedHeader = Buffer.from(JSON.stringify({ formatLength, formatTail: tail.toString('base64url'), time: '2016-01-05T00:00:00Z' })).toString('base64url');
  const signed = tamper ? Buffer.from(payload.toString().replace('"tag": "old"', '"tag": "new"')) : payload;
  const signature = sign('sha256', Buffer.from(`${protectedHeader}.${payload.toString('base64url')}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  const jws = { header: { jwk: { ...publicKey.export({ format: 'jwk' }), kid: 'TEST:KEY' }, alg: 'ES256' }, signature: signature.toString('base64url'), protected: protectedHeader };
  const body = signed.subarray(0, signed.length - tail.length);
  return Buffer.concat([body, Buffer.from(`,\n   "signatures": ${JSON.stringify([jws], null, 3)}`), tail]);
}

