import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Descriptor } from '../../src/oci/descriptor.js';
import { explainPlatforms, formatExplanation } from '../../src/platform/explain.js';
import { attestation, entry } from './fixtures.js';

beforeEach(() => {
  process.env.FERRY_PLATFORM = 'linux/amd64';
});
afterEach(() => {
  delete process.env.FERRY_PLATFORM;
});

const amd64 = entry('amd64', { os: 'linux', architecture: 'amd64' });
const arm64 = entry('arm64', { os: 'linux', architecture: 'arm64', variant: 'v8' });
const armv7 = entry('armv7', { os: 'linux', architecture: 'arm', variant: 'v7' });
const armv8 = entry('armv8', { os: 'linux', architecture: 'arm', variant: 'v8' });
const v810 = entry('v810', { os: 'linux', architecture: 'arm64', variant: 'v8.10' });
const win = entry('win', { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.1' });
const gpu = entry('gpu', { os: 'linux', architecture: 'arm64', 'os.features': ['gpu'] });
const att = attestation('att', amd64);
const INDEX: Descriptor[] = [amd64, att, arm64, armv7, v810, win, armv8, gpu];

describe('explainPlatforms', () => {
  it('gives the JSON shape: request, host, one record per entry, winner', () => {
    const e = explainPlatforms(['linux/arm64'], INDEX);
    expect(Object.keys(e).sort()).toEqual(['available', 'candidates', 'host', 'hostDefault', 'requested', 'strict', 'winner']);
    expect(e.requested).toEqual(['linux/arm64']);
    expect(e.hostDefault).toBe(false);
    expect(e.host).toBe('linux/amd64');
    expect(e.strict).toBe(false);
    expect(e.candidates[2]).toEqual({
      index: 2,
      digest: arm64.digest,
      mediaType: arm64.mediaType,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      given: 'linux/arm64/v8',
      normalized: 'linux/arm64',
      attestation: false,
      matches: true,
      rank: 1,
      reason: 'exact match',
    });
    expect(e.winner).toEqual({ index: 2, digest: arm64.digest, platform: 'linux/arm64/v8' });
    expect(e.available).toEqual(['linux/amd64', 'linux/arm64/v8', 'linux/arm/v7', 'linux/arm64/v8.10', 'windows(10.0.20348.1)/amd64', 'linux/arm/v8', 'linux(+gpu)/arm64']);
    // The structured object is the JSON output: it must survive a round trip unchanged.
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it.each<[string[], boolean, number, { matches: boolean; rank: number | null; reason: string }]>([
    [['linux/arm64'], false, 0, { matches: false, rank: null, reason: 'different architecture (amd64)' }],
    [['linux/arm64'], false, 1, { matches: false, rank: null, reason: 'attestation manifest (never an image)' }],
    [['linux/arm64'], false, 3, { matches: true, rank: 3, reason: 'compatible: arm64 host runs arm/v7' }],
    [['linux/arm64'], false, 4, { matches: false, rank: null, reason: 'variant v8.10 unknown' }],
    [['linux/arm64'], false, 5, { matches: false, rank: null, reason: 'different os (windows)' }],
    [['linux/arm64'], false, 6, { matches: true, rank: 2, reason: 'compatible: arm64 host runs arm/v8' }],
    [['linux/arm64'], false, 7, { matches: false, rank: null, reason: 'needs os.features gpu' }],
    [['linux(+gpu)/arm64'], false, 7, { matches: true, rank: 1, reason: 'exact match' }],
    [['linux/arm64'], true, 3, { matches: false, rank: null, reason: 'strict: only arm64 itself, not the compatible arm/v7' }],
    [['linux/arm/v7'], false, 6, { matches: false, rank: null, reason: 'arm/v7 host does not run arm/v8' }],
    [['linux/arm/v7'], false, 2, { matches: false, rank: null, reason: 'arm/v7 host does not run arm64' }],
    [['windows(10.0.17763)/amd64'], false, 5, { matches: false, rank: null, reason: 'os.version 10.0.20348.1 does not run on a 10.0.17763 host' }],
    [['windows(10.0.26100)/amd64'], false, 5, { matches: true, rank: 1, reason: 'exact match' }],
    [[], false, 0, { matches: true, rank: 1, reason: 'exact match' }],
  ])('request %j strict=%s: entry %d', (specs, strict, index, expected) => {
    const c = explainPlatforms(specs, INDEX, { strict }).candidates[index];
    expect({ matches: c?.matches, rank: c?.rank, reason: c?.reason }).toEqual(expected);
  });

  it('uses the host default when nothing is requested', () => {
    process.env.FERRY_PLATFORM = 'linux/arm64';
    const e = explainPlatforms([], INDEX);
    expect(e.hostDefault).toBe(true);
    expect(e.requested).toEqual(['linux/arm64']);
    expect(e.winner?.index).toBe(2);
  });

  it('reports no winner and what is available', () => {
    const e = explainPlatforms(['linux/s390x'], [amd64, att, arm64]);
    expect(e.winner).toBeNull();
    expect(e.available).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(e.candidates.map((c) => c.rank)).toEqual([null, null, null]);
  });

  it('a platform-less manifest ranks after every match', () => {
    const none = entry('none');
    const e = explainPlatforms(['linux/arm64'], [none, armv7, arm64]);
    expect(e.candidates.map((c) => [c.rank, c.reason])).toEqual([
      [3, 'no platform (tried last: its config decides)'],
      [2, 'compatible: arm64 host runs arm/v7'],
      [1, 'exact match'],
    ]);
  });

  it('rejects a bad specifier with ERR_INVALID_PLATFORM', () => {
    expect(() => explainPlatforms(['linux/arm64/v8/x'], INDEX)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_PLATFORM' }));
  });
});

describe('formatExplanation', () => {
  it('prints a header, aligned rows and the winner', () => {
    const lines = formatExplanation(explainPlatforms(['linux/arm64'], [amd64, att, arm64, armv7]));
    expect(lines[0]).toBe('requested: linux/arm64, with compatible platforms');
    expect(lines[1]).toBe('host: linux/amd64');
    expect(lines[2]).toMatch(/^#\s+PLATFORM\s+NORMALIZED\s+MATCH\s+RANK\s+DIGEST\s+REASON$/);
    expect(lines[3]).toMatch(/^0\s+linux\/amd64\s+linux\/amd64\s+no\s+-\s+sha256:[0-9a-f]{12}\s+different architecture \(amd64\)$/);
    expect(lines[4]).toContain('attestation manifest (never an image)');
    expect(lines[5]).toMatch(/^2\s+linux\/arm64\/v8\s+linux\/arm64\s+yes\s+1\s+/);
    expect(lines[6]).toContain('compatible: arm64 host runs arm/v7');
    // Columns line up: every REASON starts at the same offset.
    const reasonAt = lines[2]?.indexOf('REASON');
    for (const line of lines.slice(3, 7)) expect(line.slice(0, reasonAt).endsWith('  ')).toBe(true);
    expect(lines[7]).toBe(`winner: #2 linux/arm64/v8 ${arm64.digest}`);
  });

  it('prints the available platforms when nothing matches', () => {
    const lines = formatExplanation(explainPlatforms(['linux/s390x'], [amd64, att, arm64], { strict: true }));
    expect(lines[0]).toBe('requested: linux/s390x, strict');
    expect(lines.at(-1)).toBe('no match for linux/s390x; available: linux/amd64, linux/arm64/v8');
  });
});
