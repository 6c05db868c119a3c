import { status } from '@grpc/grpc-js';
import type { Descriptor } from '../../oci/descriptor.js';
import { daemonError, isGrpcStatus, type ContainerdClient } from './client.js';
import type { Image } from './messages.js';
import { Rpcs } from './rpcs.js';

/** The target of containerd's image record `name`, or undefined when there is none. */
export async function getImageTarget(client: ContainerdClient, name: string): Promise<Descriptor | undefined> {
  try {
    const res = await client.unary<{ image?: Image }>(Rpcs.imageGet, { name });
    const t = res.image?.target;
    if (!t?.digest) return undefined;
    return { mediaType: t.mediaType ?? '', digest: t.digest, size: t.size ?? 0 };
  } catch (err) {
    if (isGrpcStatus(err, status.NOT_FOUND)) return undefined;
    throw daemonError(err, `to look up the image ${name}`);
  }
}

/** Creates the image record, or points an existing one at the new target (its labels stay), as ctr import does. */
export async function putImage(client: ContainerdClient, name: string, target: Descriptor): Promise<void> {
  const image = { name, target: { mediaType: target.mediaType, digest: target.digest, size: target.size } };
  try {
    await client.unary(Rpcs.imageCreate, { image });
  } catch (err) {
    if (!isGrpcStatus(err, status.ALREADY_EXISTS)) throw daemonError(err, `to create the image ${name}`, { digest: target.digest });
    try {
      await client.unary(Rpcs.imageUpdate, { image, updateMask: { paths: ['target'] } });
    } catch (updateErr) {
      throw daemonError(updateErr, `to update the image ${name}`, { digest: target.digest });
    }
  }
}
