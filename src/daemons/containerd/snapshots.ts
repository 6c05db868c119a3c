import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { FerryError } from '../../errors.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { daemonError, isGrpcStatus, type ContainerdClient } from './client.js';
import type { ContainerdContent } from './content.js';
import { GcLabel } from './gc-labels.js';
import type { Descriptor as WireDescriptor, Mount } from './messages.js';
import { Rpcs } from './rpcs.js';

export const DEFAULT_SNAPSHOTTER = 'overlayfs';

/** A layer of the image being unpacked, with its diffID (from the config) and the chainID of the stack it tops. */
export interface LayerToApply {
  layer: Descriptor;
  diffId: string;
  chainId: string;
}

export interface SnapshotUnpack {
  snapshotter: string;
  /** The committed snapshot of the whole image: the chainID of its top layer. */
  snapshot: string;
  applied: number;
  reused: number;
}

/**
 * Unpacks an image into a snapshotter the way containerd's own unpacker does, so `ctr run` and the CRI find it
 * unpacked: for each layer, a snapshot named by its chainID, reused when there, otherwise prepared on its parent,
 * filled by the diff service (which reads the layer from the content store) and committed. The digest the diff
 * service reports must be the config's diffID. Labels then tie it together for gc: each layer's uncompressed
 * digest, and the config's reference to the top snapshot. Runs under the caller's lease.
 */
export async function unpackSnapshots(
  client: ContainerdClient,
  content: ContainerdContent,
  snapshotter: string,
  config: Descriptor,
  layers: LayerToApply[],
): Promise<SnapshotUnpack> {
  const result: SnapshotUnpack = { snapshotter, snapshot: '', applied: 0, reused: 0 };
  let parent = '';
  for (const step of layers) {
    if (await snapshotExists(client, snapshotter, step.chainId)) result.reused++;
    else {
      await applyLayer(client, snapshotter, parent, step);
      result.applied++;
    }
    await content.label(step.layer.digest, { [GcLabel.uncompressed]: step.diffId });
    parent = step.chainId;
  }
  result.snapshot = parent;
  if (parent) await content.label(config.digest, { [GcLabel.snapshot(snapshotter)]: parent });
  return result;
}

async function snapshotExists(client: ContainerdClient, snapshotter: string, key: string): Promise<boolean> {
  try {
    await client.unary(Rpcs.snapshotStat, { snapshotter, key });
    return true;
  } catch (err) {
    if (isGrpcStatus(err, status.NOT_FOUND)) return false;
    throw daemonError(err, `to look up snapshot ${key} in ${snapshotter}`);
  }
}

async function applyLayer(client: ContainerdClient, snapshotter: string, parent: string, step: LayerToApply): Promise<void> {
  const key = `extract-ferry-${randomUUID().slice(0, 8)} ${step.chainId}`;
  const layer = step.layer;
  let mounts: Mount[];
  try {
    mounts = (await client.unary<{ mounts?: Mount[] }>(Rpcs.snapshotPrepare, { snapshotter, key, parent })).mounts ?? [];
  } catch (err) {
    throw daemonError(err, `to prepare a ${snapshotter} snapshot for layer ${layer.digest}`, { digest: layer.digest });
  }
  try {
    const diff: WireDescriptor = { mediaType: layer.mediaType, digest: layer.digest, size: layer.size };
    const applied = await client.unary<{ applied?: WireDescriptor }>(Rpcs.diffApply, { diff, mounts }).catch((err: unknown) => {
      throw daemonError(err, `to apply layer ${layer.digest}`, { digest: layer.digest });
    });
    if (applied.applied?.digest !== step.diffId) {
      throw new FerryError('ERR_DIGEST_MISMATCH', `layer ${layer.digest} unpacks to ${applied.applied?.digest ?? 'nothing'}, but the image config says ${step.diffId}`, {
        digest: layer.digest,
        hint: 'the image is corrupt: its config does not describe its layers',
      });
    }
    try {
      await client.unary(Rpcs.snapshotCommit, { snapshotter, name: step.chainId, key });
    } catch (err) {
      // Another unpack of the same layers committed first: its snapshot is the same content.
      if (!isGrpcStatus(err, status.ALREADY_EXISTS)) throw daemonError(err, `to commit snapshot ${step.chainId}`, { digest: layer.digest });
      await removeSnapshot(client, snapshotter, key);
    }
  } catch (err) {
    await removeSnapshot(client, snapshotter, key);
    throw err;
  }
}

async function removeSnapshot(client: ContainerdClient, snapshotter: string, key: string): Promise<void> {
  try {
    await client.unary(Rpcs.snapshotRemove, { snapshotter, key });
  } catch {
    // Already gone (committed or removed); the lease's end lets gc take anything left.
  }
}
