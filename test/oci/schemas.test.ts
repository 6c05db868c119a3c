// Each schema against a document shaped like one real tools write (containerd export, Docker Hub, ORAS/cosign
// referrers, Docker 25 save, registry schema1), plus the malformed documents ferry must refuse.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { FerryError } from '../../src/errors.js';
import { parseDocument } from '../../src/oci/document.js';
import {
  DockerRepositoriesSchema,
  DockerSaveManifestSchema,
  ImageConfigSchema,
  IndexSchema,
  ManifestSchema,
  OciLayoutSchema,
  Schema1ManifestSchema,
} from '../../src/oci/schemas.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

const ociIndexWithAnnotations = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.index.v1+json',
      digest: d('1'),
      size: 1609,
      annotations: {
        'io.containerd.image.name': 'docker.io/library/alpine:3.19',
        'org.opencontainers.image.ref.name': '3.19',
      },
    },
  ],
  annotations: { 'org.opencontainers.image.created': '2024-01-27T00:00:00Z' },
};

const dockerManifestList = {
  manifests: [
    {
      digest: d('2'),
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      platform: { architecture: 'amd64', os: 'linux' },
      size: 528,
    },
    {
      digest: d('3'),
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
      size: 528,
    },
    {
      digest: d('4'),
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      platform: { architecture: 'amd64', os: 'windows', 'os.version': '10.0.20348.2227', 'os.features': ['win32k'] },
      size: 2183,
    },
  ],
  mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json',
  schemaVersion: 2,
};

const ociArtifactManifest = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
  config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2, data: 'e30=' },
  layers: [
    {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      digest: d('5'),
      size: 3521,
      annotations: { 'org.opencontainers.image.title': 'sig.json' },
    },
  ],
  subject: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: d('6'), size: 9218 },
  annotations: { 'org.opencontainers.image.created': '2024-05-01T10:00:00Z' },
};

const docker25Index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: null };

const dockerSaveManifest = [
  {
    Config: 'blobs/sha256/' + '7'.repeat(64),
    RepoTags: null,
    Layers: ['blobs/sha256/' + '8'.repeat(64)],
    LayerSources: {
      [d('8')]: { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 3408729, digest: d('9') },
    },
  },
  {
    Config: 'c'.repeat(64) + '.json',
    RepoTags: ['busybox:latest', 'localhost:5000/busybox:1'],
    Layers: ['e'.repeat(64) + '/layer.tar'],
  },
];

const imageConfig = {
  architecture: 'arm64',
  variant: 'v8',
  os: 'linux',
  created: '2024-01-26T23:44:52.502697498Z',
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['/bin/sh'], WorkingDir: '/' },
  rootfs: { type: 'layers', diff_ids: [d('a')] },
  history: [
    { created: '2024-01-26T23:44:52Z', created_by: '/bin/sh -c #(nop) ADD file:abc in / ' },
    { created: '2024-01-26T23:44:52Z', created_by: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', empty_layer: true },
  ],
};

const schema1Signed = {
  schemaVersion: 1,
  name: 'library/hello-world',
  tag: 'latest',
  architecture: 'amd64',
  fsLayers: [
    { blobSum: 'sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4' },
    { blobSum: d('b') },
  ],
  history: [{ v1Compatibility: '{"id":"2","parent":"1","created":"2016-01-01T00:00:00Z","throwaway":true}' }, { v1Compatibility: '{"id":"1","created":"2016-01-01T00:00:00Z"}' }],
  signatures: [
    {
      header: { jwk: { crv: 'P-256', kid: 'ABCD:EFGH', kty: 'EC', x: 'x', y: 'y' }, alg: 'ES256' },
      signature: 'c2lnbmF0dXJl',
      protected: 'eyJmb3JtYXRMZW5ndGgiOjI2NzgsImZvcm1hdFRhaWwiOiJDbjAiLCJ0aW1lIjoiMjAxNi0wMS0wMVQwMDowMDowMFoifQ',
    },
  ],
};

const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value, null, 3));

describe('schemas accept real-world documents', () => {
  it('OCI index with annotations', () => {
    const { value } = parseDocument(IndexSchema, bytesOf(ociIndexWithAnnotations), 'index.json');
    expect(value.manifests[0]?.annotations?.['io.containerd.image.name']).toBe('docker.io/library/alpine:3.19');
    expect(value.annotations).toEqual(ociIndexWithAnnotations.annotations);
  });

  it('Docker manifest list with variants and Windows os.version', () => {
    const { value } = parseDocument(IndexSchema, bytesOf(dockerManifestList), 'list');
    expect(value.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(value.manifests.map((m) => m.platform)).toEqual(dockerManifestList.manifests.map((m) => m.platform));
  });

  it('OCI manifest of an artifact, with artifactType, empty config and subject', () => {
    const { value } = parseDocument(ManifestSchema, bytesOf(ociArtifactManifest), 'sig');
    expect(value.artifactType).toBe('application/vnd.dev.cosign.artifact.sig.v1+json');
    expect(value.subject?.digest).toBe(d('6'));
    expect(value.config.data).toBe('e30=');
  });

  it('Docker 25 index with "manifests": null reads as an empty list', () => {
    const { value } = parseDocument(IndexSchema, bytesOf(docker25Index), 'index.json');
    expect(value.manifests).toEqual([]);
  });

  it('docker-save manifest.json with RepoTags null and LayerSources', () => {
    const { value } = parseDocument(DockerSaveManifestSchema, bytesOf(dockerSaveManifest), 'manifest.json');
    expect(value[0]?.RepoTags).toEqual([]);
    expect(value[0]?.LayerSources?.[d('8')]?.digest).toBe(d('9'));
    expect(value[1]?.RepoTags).toEqual(['busybox:latest', 'localhost:5000/busybox:1']);
    expect(value[1]?.LayerSources).toBeUndefined();
  });

  it('docker-save manifest.json entry without RepoTags', () => {
    const { value } = parseDocument(DockerSaveManifestSchema, Buffer.from('[{"Config":"c.json","Layers":[]}]'), 'manifest.json');
    expect(value[0]?.RepoTags).toEqual([]);
  });

  it('image config with history and empty layers', () => {
    const { value } = parseDocument(ImageConfigSchema, bytesOf(imageConfig), 'config');
    expect(value.rootfs.diff_ids).toEqual([d('a')]);
    expect(value.history?.[1]?.empty_layer).toBe(true);
    expect(value.config).toEqual(imageConfig.config);
  });

  it('image config of an image without layers (diff_ids null, config null)', () => {
    const { value } = parseDocument(ImageConfigSchema, Buffer.from('{"rootfs":{"type":"layers","diff_ids":null},"config":null}'), 'config');
    expect(value.rootfs.diff_ids).toEqual([]);
    expect(value.config).toBeNull();
  });

  it('signed schema1 manifest', () => {
    const { value } = parseDocument(Schema1ManifestSchema, bytesOf(schema1Signed), 'schema1');
    expect(value.fsLayers).toHaveLength(2);
    expect(value.signatures?.[0]).toMatchObject({ protected: schema1Signed.signatures[0]?.protected });
  });

  it('oci-layout and legacy repositories', () => {
    expect(parseDocument(OciLayoutSchema, Buffer.from('{"imageLayoutVersion": "1.0.0"}'), 'oci-layout').value.imageLayoutVersion).toBe('1.0.0');
    const repositories = { busybox: { latest: 'f'.repeat(64) } };
    expect(parseDocument(DockerRepositoriesSchema, bytesOf(repositories), 'repositories').value).toEqual(repositories);
  });
});

describe('unknown fields are preserved', () => {
  const extra = { 'x-vendor': { nested: [1, 2, 3] } };
  const cases: Array<[string, z.ZodType, (doc: Record<string, unknown>) => Record<string, unknown>, unknown]> = [
    ['index', IndexSchema, (v) => v, ociIndexWithAnnotations],
    ['index descriptor', IndexSchema, (v) => (v.manifests as Record<string, unknown>[])[0]!, ociIndexWithAnnotations],
    ['descriptor platform', IndexSchema, (v) => (v.manifests as Array<Record<string, Record<string, unknown>>>)[0]!.platform!, dockerManifestList],
    ['manifest', ManifestSchema, (v) => v, ociArtifactManifest],
    ['manifest config descriptor', ManifestSchema, (v) => v.config as Record<string, unknown>, ociArtifactManifest],
    ['image config', ImageConfigSchema, (v) => v, imageConfig],
    ['image config rootfs', ImageConfigSchema, (v) => v.rootfs as Record<string, unknown>, imageConfig],
    ['docker-save entry', DockerSaveManifestSchema, (v) => (v as unknown as Record<string, unknown>[])[0]!, dockerSaveManifest],
    ['schema1', Schema1ManifestSchema, (v) => v, schema1Signed],
    ['oci-layout', OciLayoutSchema, (v) => v, { imageLayoutVersion: '1.0.0' }],
  ];

  it.each(cases)('in %s', (_what, schema, pick, example) => {
    const doc = structuredClone(example) as Record<string, unknown>;
    Object.assign(pick(doc), extra);
    const { value } = parseDocument(schema, bytesOf(doc), 'doc.json');
    expect(pick(value as Record<string, unknown>)).toMatchObject(extra);
  });
});

describe('invalid documents fail with ERR_INVALID_DOCUMENT naming the file', () => {
  const cases: Array<[string, z.ZodType, string, RegExp]> = [
    ['not JSON', IndexSchema, '{"schemaVersion": 2,', /not valid JSON/],
    ['an array for an index', IndexSchema, '[]', /not a valid document/],
    ['index schemaVersion 1', IndexSchema, '{"schemaVersion":1,"manifests":[]}', /at schemaVersion/],
    ['index without manifests', IndexSchema, '{"schemaVersion":2}', /at manifests/],
    ['descriptor with a path-escape digest', IndexSchema, `{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"sha256:../../x","size":1}]}`, /at manifests\.0\.digest/],
    ['descriptor with a negative size', IndexSchema, `{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"${d('1')}","size":-1}]}`, /at manifests\.0\.size/],
    ['descriptor with a fractional size', IndexSchema, `{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"${d('1')}","size":1.5}]}`, /at manifests\.0\.size/],
    ['descriptor with a size beyond 2^53', IndexSchema, `{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"${d('1')}","size":9007199254740993}]}`, /at manifests\.0\.size/],
    ['descriptor with a string size', IndexSchema, `{"schemaVersion":2,"manifests":[{"mediaType":"m","digest":"${d('1')}","size":"1"}]}`, /at manifests\.0\.size/],
    ['annotation with a number value', IndexSchema, '{"schemaVersion":2,"manifests":[],"annotations":{"a":1}}', /at annotations\.a/],
    ['manifest without config', ManifestSchema, '{"schemaVersion":2,"layers":[]}', /at config/],
    ['manifest with layers null', ManifestSchema, `{"schemaVersion":2,"config":{"mediaType":"m","digest":"${d('1')}","size":1},"layers":null}`, /at layers/],
    ['config with an upper-case diff_id', ImageConfigSchema, `{"rootfs":{"type":"layers","diff_ids":["sha256:${'A'.repeat(64)}"]}}`, /at rootfs\.diff_ids\.0/],
    ['config without rootfs', ImageConfigSchema, '{"architecture":"amd64"}', /at rootfs/],
    ['docker-save entry without Layers', DockerSaveManifestSchema, '[{"Config":"c.json"}]', /at 0\.Layers/],
    ['docker-save LayerSources keyed by a non-digest', DockerSaveManifestSchema, `[{"Config":"c","Layers":[],"LayerSources":{"../x":{"mediaType":"m","digest":"${d('1')}","size":1}}}]`, /at 0\.LayerSources/],
    ['schema1 with a bad blobSum', Schema1ManifestSchema, '{"schemaVersion":1,"fsLayers":[{"blobSum":"md5:x"}],"history":[]}', /at fsLayers\.0\.blobSum/],
    ['oci-layout without a version', OciLayoutSchema, '{}', /at imageLayoutVersion/],
  ];

  it.each(cases)('%s', (_what, schema, text, reason) => {
    let err: unknown;
    try {
      parseDocument(schema, Buffer.from(text), 'image.tar:blobs/sha256/abc');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect(err).toMatchObject({ code: 'ERR_INVALID_DOCUMENT', path: 'image.tar:blobs/sha256/abc' });
    expect((err as FerryError).message).toContain('image.tar:blobs/sha256/abc');
    expect((err as FerryError).message).toMatch(reason);
    expect((err as FerryError).message).not.toContain('\n');
    expect((err as FerryError).hint).toBeTruthy();
  });
});
