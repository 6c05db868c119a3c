import { describe, expect, it } from 'vitest';
import { LTSC2019, LTSC2022, LTSC2025, compareOsVersions, parseWindowsVersion, windowsHostRunsContainer } from '../../src/platform/windows.js';

const WIN11_22H2 = 22621;
const V23H2 = 25398;

// containerd/platforms platform_windows_compat_test.go Test_PlatformCompat.
describe('windowsHostRunsContainer', () => {
  it.each([
    [LTSC2019, LTSC2019, true],
    [LTSC2019, LTSC2022, false],
    [LTSC2022, LTSC2019, false],
    [LTSC2022, LTSC2022, true],
    [WIN11_22H2, LTSC2019, false],
    [WIN11_22H2, LTSC2022, true],
    [V23H2, LTSC2019, false],
    [V23H2, LTSC2022, true],
    [LTSC2025, LTSC2022, true],
    [LTSC2022, LTSC2025, false],
    [LTSC2022, WIN11_22H2, false],
    [LTSC2025, WIN11_22H2, true],
  ])('host build %d runs container build %d: %s', (host, ctr, expected) => {
    expect(windowsHostRunsContainer({ major: 10, minor: 0, build: host }, { major: 10, minor: 0, build: ctr })).toBe(expected);
  });
});

describe('parseWindowsVersion', () => {
  it.each([
    ['10.0.17763', { major: 10, minor: 0, build: 17763 }],
    ['10.0.17763.5576', { major: 10, minor: 0, build: 17763 }],
    ['10.0', undefined],
    ['', undefined],
    [undefined, undefined],
    ['10.0.70000', undefined], // build beyond uint16
    ['256.0.1', undefined],
    ['10.x.17763', undefined],
    ['0.0.0', undefined],
  ])('%j → %j', (input, expected) => {
    expect(parseWindowsVersion(input)).toEqual(expected);
  });
});

describe('compareOsVersions', () => {
  it.each([
    ['10.0.20348.2340', '10.0.17763.5576', 1],
    ['10.0.17763.2', '10.0.17763.10', -1],
    ['10.0.17763', '10.0.17763.1', -1],
    [undefined, '10.0.17763', -1],
    ['10.0.17763.1', '10.0.17763.1', 0],
  ])('%j vs %j → %d', (a, b, expected) => {
    expect(compareOsVersions(a, b)).toBe(expected);
  });
});
