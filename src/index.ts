/** ferry's library API: the store, archives, the platform matcher and the operations the CLI runs. */
export { FerryError, isFerryError, type ErrorCode } from './errors.js';
export { MediaType, EMPTY_JSON } from './oci/mediatypes.js';
export type { Descriptor, Platform } from './oci/descriptor.js';
export { parseDigest, digestOf, VerifyingStream, DigestingStream } from './oci/digest.js';
export { parseReference, formatReference, normalizeName, familiarName, type Reference } from './oci/reference.js';
export type { ContentSource, ContentTarget, BlobSink } from './oci/transport.js';
export * from './platform/index.js';
export { Store, resolveStoreRoot, type ImageRecord } from './store/index.js';
export { readArchive, type ArchiveContents, type ArchiveImage } from './archive/read/index.js';
export { writeArchive, type ExportPlan } from './archive/write/index.js';
export { resolveImage, type ResolvedImage, type PlatformImage } from './graph/resolve.js';
export { importArchive, type ImportOptions, type ImportResult } from './ops/import-archive.js';
export { exportImages, type ExportOptions, type ExportResult } from './ops/export-archive.js';
export { unpackToDirectory } from './ops/unpack-image.js';
export { resolveUnpackTarget, type UnpackChoice } from './ops/unpack-target.js';
export { copyImage, type CopyOptions, type CopyResult } from './ops/copy.js';
export { importIntoContainerd, type ContainerdImportOptions, type ContainerdImportResult } from './ops/import-into-containerd.js';
export type { DaemonOptions, DaemonUnpack } from './ops/daemon-options.js';
