/** containerd as an end: its content store, image records and snapshotters, over its gRPC socket. */
export { ContainerdClient, DEFAULT_CONTAINERD_ADDRESS, DEFAULT_NAMESPACE } from './client.js';
export { ContainerdContent, ContainerdIngest } from './content.js';
export { GcLabel } from './gc-labels.js';
export { getImageTarget, putImage } from './images.js';
export { openLease, withLease } from './leases.js';
export { DEFAULT_SNAPSHOTTER, unpackSnapshots, type LayerToApply, type SnapshotUnpack } from './snapshots.js';
