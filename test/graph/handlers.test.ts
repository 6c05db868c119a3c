import { describe, expect, it } from 'vitest';
import { filterPlatforms, leaves, presentOnly, skipAttestations, visiting } from '../../src/graph/handlers.js';
import { resolveImage } from '../../src/graph/resolve.js';
import { sourceReader } from '../../src/graph/read-document.js';
import { children, compose, indexesOnce, walk } from '../../src/graph/walk.js';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { MediaType } from '../../src/oci/mediatypes.js';
import { only } from '../../src/platform/index.js';
import { buildImage } from '../helpers/image-builder.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
const S390X = { os: 'linux', architecture: 's390x' };

/**
 * An index: amd64, then a nested index (arm64, and an attestation of it), then s390x, then an absent nested index
 * and an entry of an unknown media type. Its manifest entries carry no platform where podman leaves it out.
 */
async function nestedImage() {
  const image = await buildImage({ platforms: [AMD64, ARM64, S390X], attestations: true, seed: 'handlers' });
  const content = image.content;
  const [amd, arm, s390x] = image.manifests;
  const armAttestation = image.attestations[1]!.desc;
  const nested = content.put(MediaType.ociIndex, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [arm!.desc, armAttestation] }));
  const absentIndex: Descriptor = { mediaType: MediaType.ociIndex, digest: `sha256:${'a'.repeat(64)}`, size: 10 };
  const unknown: Descriptor = { mediaType: 'application/vnd.example.thing', digest: `sha256:${'b'.repeat(64)}`, size: 3 };
  const { platform: _dropped, ...s390xWithout } = s390x!.desc;
  const top = content.put(MediaType.ociIndex, JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [amd!.desc, nested, s390xWithout, absentIndex, unknown] }));
  return { content, top, nested, absentIndex, unknown, amd: amd!, arm: arm!, s390x: s390x!, armAttestation };
}

describe('walk and its handlers', () => {
  it('visit depth first in document order: a nested index before its later siblings', async () => {
    const { content, top, nested, amd, arm, s390x } = await nestedImage();
    const visited: string[] = [];
    const handler = compose(
      visiting(() => true, (d) => visited.push(d.digest)),
      leaves((d) => d.mediaType === MediaType.ociManifest, () => undefined),
      presentOnly((d) => content.has(d), (d) => d.mediaType === MediaType.ociIndex, () => undefined),
      skipAttestations(() => undefined),
    )(children(sourceReader(content)));
    await walk([top], handler, { key: indexesOnce() });
    expect(visited.slice(0, 5)).toEqual([top.digest, amd.desc.digest, nested.digest, arm.desc.digest, s390x.desc.digest]);
  });

  it('hand what they leave out to their callbacks: attestations, absent indexes, platforms the filter rejects', async () => {
    const { content, top, absentIndex, s390x, armAttestation } = await nestedImage();
    const attestations: Descriptor[] = [];
    const absent: Descriptor[] = [];
    const rejected: string[] = [];
    const kept: string[] = [];
    const isManifest = (d: Descriptor) => d.mediaType === MediaType.ociManifest;
    const handler = compose(
      filterPlatforms({ matcher: only(AMD64) }, isManifest, async (d) => d.platform ?? S390X, (d, p) => rejected.push(`${d.digest} ${p.architecture}`)),
      leaves(isManifest, (d) => {
        kept.push(d.digest);
      }),
      leaves((d) => d.mediaType !== MediaType.ociIndex, () => undefined),
      presentOnly((d) => content.has(d), (d) => d.mediaType === MediaType.ociIndex, (d) => absent.push(d)),
      skipAttestations((d) => attestations.push(d)),
    )(children(sourceReader(content)));
    await walk([top], handler, { key: indexesOnce() });
    expect(attestations.map((d) => d.digest)).toEqual([armAttestation.digest]);
    expect(absent).toEqual([absentIndex]);
    expect(kept).toHaveLength(1);
    expect(rejected).toEqual([expect.stringMatching(/ arm64$/), `${s390x.desc.digest} s390x`]);
  });

  it('give resolveImage the order and the verdicts it had before it walked with them', async () => {
    const { content, top, nested, absentIndex, unknown, amd, arm, s390x } = await nestedImage();
    const all = await resolveImage(content, top, { all: true });
    expect(all.indexes.map((d) => d.digest)).toEqual([top.digest, nested.digest]);
    expect(all.selected.map((s) => s.manifest.digest)).toEqual([amd.desc.digest, arm.desc.digest, s390x.desc.digest]);
    // The s390x entry has no platform: its config gives it.
    expect(all.selected[2]!.platform).toEqual(S390X);
    expect(all.selected[1]!.attachments).toHaveLength(1);
    expect(all.missingIndexes).toEqual([absentIndex]);
    expect(all.skipped).toEqual([unknown]);

    const amdOnly = await resolveImage(content, top, { matcher: only(AMD64) });
    expect(amdOnly.selected.map((s) => s.manifest.digest)).toEqual([amd.desc.digest]);
    expect(amdOnly.skipped.map((d) => [d.digest, d.platform?.architecture])).toEqual([
      [arm.desc.digest, 'arm64'],
      [s390x.desc.digest, 's390x'],
      [unknown.digest, undefined],
    ]);
    expect(amdOnly.others.map((c) => c.manifest.digest)).toEqual([arm.desc.digest, s390x.desc.digest]);
  });
});
