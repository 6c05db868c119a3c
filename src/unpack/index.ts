export { type ApplyOptions, type ApplyStats, applyLayer } from './apply-layer.js';
export { chainIDs } from '../oci/chain.js';
export { type EntryLabel, entryComponents, resolveEntryPath, resolveInRoot } from './safe-path.js';
export { ensureSnapshot, SNAPSHOTS_DIR, type SnapshotResult, snapshotPath } from './snapshot.js';
export { unpackImage, type UnpackImageOptions, type UnpackImageResult } from './unpack-image.js';
export { OPAQUE_MARKER, WHITEOUT_PREFIX } from './whiteouts.js';
