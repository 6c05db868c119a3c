/** The archive writer: `ferry export`'s single tar that is both an OCI image layout and a docker-save archive. */
export { ArchiveWriter, archiveMtime, type WriteOptions, type WriteResult, writeArchive } from './archive-writer.js';
export { type ArchiveCompression, compressArchive } from './compress.js';
export { blobPath, compareStrings, type DockerSaveImage, type ExportImage, type ExportPlan } from './export-plan.js';
