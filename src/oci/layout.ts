import semver from 'semver';
import { FerryError } from '../errors.js';

/** The image layout versions ferry reads: every 1.x, as the spec keeps 1.x backwards compatible. */
export const SUPPORTED_LAYOUT_VERSIONS = '^1.0.0';

/** The version ferry writes into `oci-layout`. */
export const LAYOUT_VERSION = '1.0.0';

/**
 * Checks `imageLayoutVersion` from an `oci-layout` file (`where` names it, e.g. `image.tar:oci-layout`). A
 * layout of another major version may store blobs differently, so reading it anyway could lose data.
 */
export function checkLayoutVersion(value: string, where: string): void {
  const version = semver.valid(value);
  if (version !== null && semver.satisfies(version, SUPPORTED_LAYOUT_VERSIONS)) return;
  const what = version === null ? `is not a version (${JSON.stringify(value.slice(0, 100))})` : `is ${version}`;
  throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${where}: OCI image layout version ${what}; ferry reads ${SUPPORTED_LAYOUT_VERSIONS}`, {
    path: where,
    hint: 'write the layout with a tool that produces OCI image layout 1.x, or update ferry',
  });
}
