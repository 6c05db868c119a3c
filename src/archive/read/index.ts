/** The archive reader's public surface. */
export { readArchive, type ReadArchiveOptions } from './read-archive.js';
export type { ArchiveContents, ArchiveFormat, ArchiveImage } from './contents.js';
