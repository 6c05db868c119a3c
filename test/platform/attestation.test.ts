import { describe, expect, it } from 'vitest';
import { attestationSubject, isAttestation } from '../../src/platform/attestation.js';
import { attestation, entry } from './fixtures.js';

describe('attestations', () => {
  const image = entry('image', { os: 'linux', architecture: 'amd64' });
  it.each([
    ['BuildKit attestation', attestation('att', image), true],
    ['unknown/unknown without annotations', entry('u', { os: 'unknown', architecture: 'unknown' }), true],
    ['annotation alone', entry('a', { os: 'linux', architecture: 'amd64' }, { annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } }), true],
    ['image', image, false],
    ['linux/unknown', entry('lu', { os: 'linux', architecture: 'unknown' }), false],
    ['no platform', entry('np'), false],
    ['other reference type', entry('sig', undefined, { annotations: { 'vnd.docker.reference.type': 'signature' } }), false],
  ])('%s → %s', (_name, desc, expected) => {
    expect(isAttestation(desc)).toBe(expected);
  });

  it('names its subject', () => {
    expect(attestationSubject(attestation('att', image))).toBe(image.digest);
    expect(attestationSubject(image)).toBeUndefined();
  });
});
