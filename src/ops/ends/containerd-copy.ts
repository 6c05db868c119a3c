import { FerryError } from '../../errors.js';
import { ContainerdClient, ContainerdContent, ContainerdIngest, DEFAULT_CONTAINERD_ADDRESS, DEFAULT_SNAPSHOTTER, getImageTarget, putImage, unpackSnapshots, withLease, type LayerToApply } from '../../daemons/containerd/index.js';
import { readDocument } from '../../graph/read-document.js';
import { resolveImage, type PlatformImage } from '../../graph/resolve.js';
import type { Descriptor, Platform } from '../../oci/descriptor.js';
import { ImageConfigSchema } from '../../oci/schemas.js';
import { hostPlatform, parsePlatform } from '../../platform/index.js';
import { chainIDs } from '../../oci/chain-ids.js';
import type { DaemonOptions, DaemonUnpack } from './daemon-options.js';
import type { ImageLocation } from './image-location.js';
import type { OpenedImage } from './image-source.js';
import { selectPlatforms, type PlatformArgs } from '../policy/platform-filter.js';
import { transferImage, type TransferResult } from '../../graph/copy.js';
import { resolveUnpackTarget } from '../policy/unpack-target.js';

type ContainerdLocation = ImageLocation & { kind: 'containerd' };

export interface ContainerdCopyOptions extends PlatformArgs {
  daemons?: DaemonOptions;
  jobs?: number;
  onProgress?: (written: number, desc: Descriptor) => void;
}

export interface ContainerdCopied {
  moved: TransferResult;
  unpack?: DaemonUnpack;
}

/**
 * Copies an image into containerd as `ctr images import` should: every selected platform's content with the
 * reference labels that keep it through gc, the resolved unpack platform unpacked into the snapshotter, and only
 * then the image record, all under one lease. Like the store, containerd keeps the source's index: platforms
 * left out are absent content, as after a `ctr pull --platform`.
 */
export async function copyIntoContainerd(opened: OpenedImage, to: ContainerdLocation, opts: ContainerdCopyOptions): Promise<ContainerdCopied> {
  const daemons = opts.daemons ?? {};
  const client = new ContainerdClient(daemons.containerdAddress ?? DEFAULT_CONTAINERD_ADDRESS, to.namespace);
  try {
    return await withLease(client, async () => {
      const selection = selectPlatforms(opts);
      const target = new ContainerdIngest(client);
      const moved = await transferImage(opened.source, target, opened.top, {
        selection,
        completeIndex: false,
        ...(opts.jobs ? { jobs: opts.jobs } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      const unpack = daemons.unpack === false ? undefined : await unpackInContainerd(client, moved, selection.requested[0], daemons);
      await putImage(client, to.name, moved.target);
      return { moved, ...(unpack ? { unpack } : {}) };
    });
  } finally {
    client.close();
  }
}

/**
 * The unpack target is resolved among what containerd now holds, with ferry's explicit rule (unpack-target.ts):
 * a platform, or a reason and the choices, never containerd 2.0's "no unpack platforms defined".
 */
async function unpackInContainerd(client: ContainerdClient, moved: TransferResult, requested: Platform | undefined, daemons: DaemonOptions): Promise<DaemonUnpack> {
  const content = new ContainerdContent(client);
  const resolved = await resolveImage(content, moved.target, { all: true });
  const wanted = daemons.unpackPlatform ? parsePlatform(daemons.unpackPlatform) : requested;
  const choice = resolveUnpackTarget(resolved.selected, { host: hostPlatform(), ...(wanted ? { platform: wanted } : {}), ...(daemons.strictPlatform ? { strict: true } : {}) });
  const { image, ...reason } = choice;
  if (!image && daemons.unpackPlatform) {
    // Asked for by name: its absence is an error, and the lease lets containerd collect what was written.
    throw new FerryError('ERR_PLATFORM_NOT_FOUND', `cannot unpack: ${choice.reason}`, {
      hint: `available: ${choice.available.join(', ') || 'none'}; choose one with --unpack-platform, or pass --no-unpack`,
    });
  }
  if (!image) return reason;
  const snapshotter = daemons.snapshotter ?? DEFAULT_SNAPSHOTTER;
  const done = await unpackSnapshots(client, content, snapshotter, image.config!, await layersToApply(content, image));
  return { ...reason, manifest: image.manifest.digest, snapshotter, snapshot: done.snapshot, applied: done.applied, reused: done.reused };
}

async function layersToApply(content: ContainerdContent, image: PlatformImage): Promise<LayerToApply[]> {
  const config = (await readDocument(content, image.config!, ImageConfigSchema)).value;
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== image.layers.length) {
    throw new FerryError('ERR_INVALID_DOCUMENT', `manifest ${image.manifest.digest} has ${image.layers.length} layers but its config lists ${diffIds.length} diffIDs`, {
      digest: image.manifest.digest,
      hint: 'the image is corrupt; build or export it again',
    });
  }
  const chain = chainIDs(diffIds);
  return image.layers.map((layer, i) => ({ layer, diffId: diffIds[i]!, chainId: chain[i]! }));
}

/** An image record of containerd as a copy source: its content store serves every blob, partial or not. */
export async function openContainerdImage(from: ContainerdLocation, daemons: DaemonOptions): Promise<OpenedImage> {
  const client = new ContainerdClient(daemons.containerdAddress ?? DEFAULT_CONTAINERD_ADDRESS, from.namespace);
  try {
    const top = await getImageTarget(client, from.name);
    if (!top) {
      throw new FerryError('ERR_NOT_FOUND', `containerd namespace ${from.namespace} has no image ${from.name}`, {
        hint: `see 'ctr --namespace ${from.namespace} images ls'`,
      });
    }
    return { location: from, source: new ContainerdContent(client), top, name: from.name, close: async () => client.close() };
  } catch (err) {
    client.close();
    throw err;
  }
}
