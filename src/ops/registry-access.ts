import type { Reference } from '../oci/reference.js';
import { openRepository, parseCreds, RegistryContent, type RegistryContentOptions, type RegistryOptions } from '../registry/index.js';

/** How to reach registries: the command line's --creds, --insecure, and the knobs tests turn. */
export interface RegistryAccess extends Omit<RegistryOptions, 'credentials' | 'fetch'> {
  /** `USER:PASSWORD` (--creds); else credentials come from docker's config file. */
  creds?: string;
  chunkSize?: number;
}

/** A registry repository as a content source/target, after checking it answers (and authenticating). */
export async function openRegistryContent(ref: Reference, access: RegistryAccess, extra: RegistryContentOptions = {}): Promise<RegistryContent> {
  const { creds, chunkSize, ...http } = access;
  const repo = await openRepository(ref, { ...http, ...(creds ? { creds: parseCreds(creds) } : {}) });
  await repo.ping();
  return new RegistryContent(repo, { ...extra, ...(chunkSize ? { chunkSize } : {}) });
}
