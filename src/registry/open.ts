import type { Reference } from '../oci/reference.js';
import { dockerConfigCredentials, type Credentials } from './credentials.js';
import { RegistryHttp, type RegistryOptions } from './http.js';
import { RegistryRepository } from './repository.js';

/**
 * The repository a reference names, with credentials from `creds` (--creds) or else docker's config file.
 */
export async function openRepository(ref: Reference, opts: Omit<RegistryOptions, 'credentials'> & { creds?: Credentials } = {}): Promise<RegistryRepository> {
  const credentials = opts.creds ?? (await dockerConfigCredentials(ref.domain));
  const { creds: _creds, ...rest } = opts;
  const http = new RegistryHttp(ref.domain, { ...rest, ...(credentials ? { credentials } : {}) });
  return new RegistryRepository(http, ref.path);
}
