export { resolveStoreRoot } from './root.js';
export { openLayout, layoutPaths, IMAGE_LAYOUT_VERSION, type LayoutPaths } from './layout.js';
export { BlobDirectory, type BlobReader } from './blobs.js';
export { blobFiles } from './blob-files.js';
export { type ImageRecord } from './records.js';
export { Staging, type CommitOptions } from './staging.js';
export { type GcResult } from './gc.js';
export { Store } from './store.js';
