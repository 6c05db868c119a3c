/** The archive reader's public surface. */
export { readArchive, type ReadArchiveOptions } from './read-archive.js';
export { DEFAULT_MAX_IMPORT_SIZE, MAX_IMPORT_SIZE_ENV, maxImportSize } from './archive-budget.js';
export type { ArchiveContents, ArchiveFormat, ArchiveImage } from './contents.js';
export { StagedArchive } from './staged-archive.js';
