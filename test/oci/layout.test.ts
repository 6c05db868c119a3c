import { describe, expect, it } from 'vitest';
import { FerryError } from '../../src/errors.js';
import { checkLayoutVersion, LAYOUT_VERSION } from '../../src/oci/layout.js';

describe('checkLayoutVersion', () => {
  it.each(['1.0.0', '1.0.1', '1.1.0', '1.99.3', LAYOUT_VERSION])('accepts %s', (version) => {
    expect(() => checkLayoutVersion(version, 'oci-layout')).not.toThrow();
  });

  it.each([
    ['2.0.0', /version is 2\.0\.0/],
    ['0.9.0', /version is 0\.9\.0/],
    ['1.1.0-rc.1', /version is 1\.1\.0-rc\.1/],
    ['1.0', /not a version/],
    ['', /not a version/],
    ['latest', /not a version/],
    ['1.0.0\n\u001b[2J', /not a version/],
  ])('refuses %j with ERR_UNSUPPORTED_ARCHIVE', (version, reason) => {
    let err: unknown;
    try {
      checkLayoutVersion(version, 'image.tar:oci-layout');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FerryError);
    expect(err).toMatchObject({ code: 'ERR_UNSUPPORTED_ARCHIVE', path: 'image.tar:oci-layout' });
    const { message, hint } = err as FerryError;
    expect(message).toContain('image.tar:oci-layout');
    expect(message).toMatch(reason);
    expect(message).toContain('^1.0.0');
    expect(message).not.toMatch(/[\u0000-\u001f]/);
    expect(hint).toBeTruthy();
  });
});
