import type { Reference } from '../../oci/reference.js';
import { type Credentials, openRepository, parseCreds, readCredsFile, RegistryContent, type RegistryContentOptions, type RegistryOptions } from '../../registry/index.js';

/** How to reach registries: the command line's --creds, --insecure, and the knobs tests turn. */
export interface RegistryAccess extends Omit<RegistryOptions, 'credentials' | 'fetch'> {
  /** `USER:PASSWORD` (--creds); else credentials come from docker's config file. */
  creds?: string;
  /** `--creds-file`: a file (or `-`, stdin) holding USER:PASSWORD; read once, before the first request. */
  credsFile?: string;
  chunkSize?: number;
}

/** A registry repository as a content source/target, after checking it answers (and authenticating). */
export async function openRegistryContent(ref: Reference, access: RegistryAccess, extra: RegistryContentOptions = {}): Promise<RegistryContent> {
  const { creds, credsFile, chunkSize, ...http } = access;
  const given = credsFile ? await credsFromFile(credsFile) : creds ? parseCreds(creds) : undefined;
  const repo = await openRepository(ref, { ...http, ...(given ? { creds: given } : {}) });
  await repo.ping();
  return new RegistryContent(repo, { ...extra, ...(chunkSize ? { chunkSize } : {}) });
}

/** stdin can be read once: a copy between two registries reuses what the first open read. */
const fromFiles = new Map<string, Promise<Credentials>>();

function credsFromFile(path: string): Promise<Credentials> {
  const cached = fromFiles.get(path) ?? readCredsFile(path);
  fromFiles.set(path, cached);
  return cached;
}
