/**
 * Property-based fuzzing of the text and JSON parsers: whatever the input, a parser returns or throws a
 * FerryError, and where a formatter exists, formatting what was parsed is a fixed point.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDockerManifest } from '../../src/archive/read/docker-save.js';
import { parseDocument } from '../../src/oci/document.js';
import { formatReference, parseReference } from '../../src/oci/reference.js';
import { DockerSaveManifestSchema, ImageConfigSchema, IndexSchema, ManifestSchema, OciLayoutSchema, Schema1ManifestSchema } from '../../src/oci/schemas.js';
import { formatPlatform, parsePlatform } from '../../src/platform/parse.js';
import { configureFuzzing, onlyFerryErrors } from './fuzz-config.js';

configureFuzzing();

/** Strings from the characters a grammar cares about, so runs get deep into it instead of failing at once. */
function stringOf(chars: string, maxLength = 80): fc.Arbitrary<string> {
  return fc.array(fc.constantFrom(...chars), { maxLength }).map((a) => a.join(''));
}

const REFERENCE_CHARS = 'abcxyz0189._-/:@ALsh256' + 'f'.repeat(8);
const referenceLike = fc.oneof(
  stringOf(REFERENCE_CHARS),
  fc.tuple(stringOf('abc0._-', 20), stringOf('abc0._-/', 30), stringOf('abcV0._-', 20), fc.boolean(), fc.stringMatching(/^[0-9a-f]{64}$/)).map(
    ([host, path, tag, withDigest, hex]) => `${host}${host ? '.io/' : ''}${path}${tag ? `:${tag}` : ''}${withDigest ? `@sha256:${hex}` : ''}`,
  ),
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

const platformLike = fc.oneof(
  stringOf('linuxwdsamd64rv78._-/()+%*', 40),
  fc
    .tuple(
      fc.constantFrom('linux', 'windows', 'darwin', 'macos', 'Linux', 'freebsd', 'x'),
      fc.option(stringOf('0123456789.+%()/', 16)),
      fc.constantFrom('amd64', 'x86_64', 'arm64', 'aarch64', 'arm', 'armhf', 'i386', 'ppc64le', ''),
      fc.constantFrom('', 'v7', 'v8', 'v8.2', '8', 'v9.0', '9', 'v1', 'v4', '..'),
    )
    .map(([os, options, arch, variant]) => [`${os}${options === null ? '' : `(${options})`}`, arch, variant].filter((p, i) => i === 0 || p !== '').join('/')),
  fc.string({ maxLength: 60 }),
);

const DEFAULTS = { os: 'linux', architecture: 'amd64' };

describe('fuzz: reference parser', () => {
  it('throws nothing but FerryErrors, and formatting a parsed reference is a fixed point', () => {
    fc.assert(
      fc.property(referenceLike, (input) => {
        const ref = onlyFerryErrors(() => parseReference(input));
        if (!ref) return;
        const formatted = formatReference(ref);
        const again = parseReference(formatted);
        expect(again).toEqual(ref);
        expect(formatReference(again)).toBe(formatted);
      }),
    );
  });
});

describe('fuzz: platform parser', () => {
  it('throws nothing but FerryErrors, and formatting a parsed platform is a fixed point', () => {
    fc.assert(
      fc.property(platformLike, (input) => {
        const platform = onlyFerryErrors(() => parsePlatform(input, DEFAULTS));
        if (!platform) return;
        const formatted = formatPlatform(platform);
        const again = parsePlatform(formatted, DEFAULTS);
        expect(formatPlatform(again)).toBe(formatted);
      }),
    );
  });
});

/** JSON values shaped like image documents, with every field liable to be missing, mistyped or hostile. */
const hostileDigest = fc.oneof(
  fc.stringMatching(/^sha256:[0-9a-f]{64}$/),
  fc.constantFrom('sha256:../../x', 'sha256:', 'md5:abc', 'SHA256:' + 'A'.repeat(64), '', 'sha512:' + '0'.repeat(128)),
  fc.string({ maxLength: 80 }),
);
const anyValue = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}));
const descriptor = fc.record(
  {
    mediaType: fc.oneof(fc.constantFrom('application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.layer.v1.tar+gzip'), anyValue),
    digest: fc.oneof(hostileDigest, anyValue),
    size: fc.oneof(fc.nat(), fc.constantFrom(-1, 2e9, 2 ** 53, Number.MAX_VALUE, 1.5), anyValue),
    platform: fc.oneof(fc.record({ os: fc.oneof(fc.string({ maxLength: 10 }), anyValue), architecture: fc.oneof(fc.string({ maxLength: 10 }), anyValue) }), anyValue),
    annotations: fc.oneof(fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string({ maxLength: 20 }), anyValue)), anyValue),
    urls: fc.oneof(fc.array(fc.string({ maxLength: 20 })), anyValue),
  },
  { requiredKeys: [] },
);
const documentLike = fc.oneof(
  fc.record(
    {
      schemaVersion: fc.oneof(fc.constantFrom(1, 2), anyValue),
      mediaType: fc.oneof(fc.string({ maxLength: 60 }), anyValue),
      manifests: fc.oneof(fc.array(descriptor, { maxLength: 4 }), anyValue),
      config: fc.oneof(descriptor, anyValue),
      layers: fc.oneof(fc.array(descriptor, { maxLength: 4 }), anyValue),
      subject: fc.oneof(descriptor, anyValue),
      rootfs: fc.oneof(fc.record({ type: fc.constant('layers'), diff_ids: fc.array(hostileDigest, { maxLength: 3 }) }), anyValue),
      fsLayers: fc.oneof(fc.array(fc.record({ blobSum: hostileDigest }), { maxLength: 3 }), anyValue),
      imageLayoutVersion: fc.oneof(fc.constantFrom('1.0.0', '2.0.0', ''), anyValue),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);
const dockerSaveLike = fc.oneof(
  fc.array(
    fc.record(
      {
        Config: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('../../etc/passwd', '/etc/passwd', 'blobs/sha256/../../x'), anyValue),
        RepoTags: fc.oneof(fc.array(fc.oneof(referenceLike, anyValue), { maxLength: 3 }), anyValue),
        Layers: fc.oneof(fc.array(fc.oneof(fc.string({ maxLength: 40 }), anyValue), { maxLength: 3 }), anyValue),
        LayerSources: fc.oneof(fc.dictionary(hostileDigest, descriptor, { maxKeys: 2 }), anyValue),
      },
      { requiredKeys: [] },
    ),
    { maxLength: 3 },
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

/** JSON text of a value, sometimes damaged: cut short, a byte flipped, or a BOM in front. */
function damaged(value: fc.Arbitrary<unknown>): fc.Arbitrary<Buffer> {
  return fc.tuple(value, fc.nat(), fc.constantFrom('none', 'cut', 'flip', 'bom')).map(([v, n, how]) => {
    const bytes = Buffer.from(JSON.stringify(v) ?? 'null');
    if (how === 'cut') return bytes.subarray(0, n % (bytes.length + 1));
    if (how === 'flip' && bytes.length > 0) bytes[n % bytes.length] = (bytes[n % bytes.length]! + 1 + (n % 254)) & 0xff;
    if (how === 'bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    return bytes;
  });
}

describe('fuzz: document parsers', () => {
  it.each([
    ['index', IndexSchema],
    ['manifest', ManifestSchema],
    ['image config', ImageConfigSchema],
    ['schema1 manifest', Schema1ManifestSchema],
    ['oci-layout', OciLayoutSchema],
    ['docker-save manifest.json', DockerSaveManifestSchema],
  ] as const)('%s: parseDocument throws nothing but FerryErrors, and keeps the exact bytes', (_name, schema) => {
    fc.assert(
      fc.property(damaged(fc.oneof(documentLike, dockerSaveLike)), (bytes) => {
        const doc = onlyFerryErrors(() => parseDocument(schema, bytes, 'fuzz.json'));
        if (doc) expect(doc.bytes.equals(bytes)).toBe(true);
      }),
    );
  });

  it('docker-save manifest.json: parseDockerManifest throws nothing but FerryErrors', () => {
    fc.assert(
      fc.property(damaged(dockerSaveLike), (bytes) => {
        const entries = onlyFerryErrors(() => parseDockerManifest(bytes, 'fuzz.tar'));
        if (entries) expect(Array.isArray(entries)).toBe(true);
      }),
    );
  });

  it('arbitrary bytes: parseDocument throws nothing but FerryErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        onlyFerryErrors(() => parseDocument(IndexSchema, Buffer.from(bytes), 'fuzz.json'));
      }),
    );
  });
});
