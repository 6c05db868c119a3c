import { randomUUID } from 'node:crypto';
import { daemonError, type ContainerdClient } from './client.js';
import { GcLabel } from './gc-labels.js';
import { Rpcs } from './rpcs.js';

/** How long a lease outlives a ferry that died holding it, before containerd's gc may drop its content. */
const LEASE_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * Takes a fresh lease for the client's calls: content and snapshots written meanwhile survive containerd's gc
 * until the image record (and the labels) reference them. Returns its release, which deletes the lease, so
 * what a failed copy wrote is collected by the next gc.
 */
export async function openLease(client: ContainerdClient): Promise<() => Promise<void>> {
  const id = `ferry-${randomUUID()}`;
  const expire = new Date(Date.now() + LEASE_LIFETIME_MS).toISOString().replace(/\.\d+Z$/, 'Z');
  try {
    await client.unary(Rpcs.leaseCreate, { id, labels: { [GcLabel.expire]: expire } });
  } catch (err) {
    throw daemonError(err, 'to create a lease');
  }
  client.lease = id;
  return async () => {
    client.lease = undefined;
    try {
      await client.unary(Rpcs.leaseDelete, { id });
    } catch (err) {
      // Not fatal to what was done: the expiry label ends the lease anyway.
      process.emitWarning(`containerd lease ${id} could not be deleted: ${(err as Error).message}`);
    }
  };
}

/** Runs `work` under a lease of its own (see openLease), released afterwards, failed or not. */
export async function withLease<T>(client: ContainerdClient, work: () => Promise<T>): Promise<T> {
  const release = await openLease(client);
  try {
    return await work();
  } finally {
    await release();
  }
}
