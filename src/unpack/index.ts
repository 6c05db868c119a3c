export { type ApplyOptions, type ApplyStats, applyLayer } from './apply-layer.js';
export { chainIDs } from '../oci/chain-ids.js';
export { type EntryLabel, entryComponents, resolveEntryPath, resolveInRoot } from './safe-path.js';
export { type FreshDirectoryOptions, intoFreshDirectory } from './fresh-directory.js';
export { ensureSnapshot, SNAPSHOTS_DIR, type SnapshotResult, type SnapshotStore, snapshotPath } from './snapshot.js';
export { type VerifiedDiffIDs } from './verify-diffids.js';
export { unpackImage, type UnpackImageOptions, type UnpackImageResult, type UnpackProgress } from './unpack-image.js';
export { OPAQUE_MARKER, WHITEOUT_PREFIX } from './whiteouts.js';
