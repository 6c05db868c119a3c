/** The OCI distribution client: a registry repository as a content source and target. */
export { type Challenge, Authenticator, parseChallenge } from './auth.js';
export { type Credentials, dockerConfigCredentials, dockerConfigPath, parseCreds, readCredsFile } from './credentials.js';
export { RegistryHttp, type RegistryOptions, isLoopbackHost } from './http.js';
export { RegistryRepository, MANIFEST_ACCEPT, type FetchedManifest } from './repository.js';
export { DEFAULT_CHUNK_SIZE, type UploadOptions, type UploadOutcome, uploadBlob } from './upload.js';
export { addReferrerByTag, listReferrers, referrersTag } from './referrers.js';
export { RegistryContent, type RegistryContentOptions, type UploadCounts, isManifestType } from './content.js';
export { openRepository } from './open.js';
