/**
 * The content contract (test/graph/content-contract.ts) run against containerd's content store through ferry's
 * containerd end (Debian package `containerd`; needs root): one daemon for the file, a namespace and a lease per
 * test, as a copy into containerd uses it.
 */
import { afterAll } from 'vitest';
import { ContainerdClient, ContainerdIngest, openLease } from '../../src/daemons/containerd/index.js';
import { contentContract } from '../graph/content-contract.js';
import { CONTAINERD_NEED, startContainerd, type Containerd } from './harness/containerd.js';
import { missingNeed } from './harness/requirements.js';

const missing = missingNeed([CONTAINERD_NEED]);
if (missing === undefined || process.env.CI === 'true') {
  let daemon: Promise<Containerd> | undefined;
  let namespaces = 0;
  afterAll(async () => {
    if (daemon) await (await daemon).stop();
  });
  contentContract('containerd content store', async () => {
    daemon ??= startContainerd();
    const containerd = await daemon;
    const client = new ContainerdClient(containerd.address, `${containerd.namespace}-${++namespaces}`);
    const release = await openLease(client);
    return {
      end: new ContainerdIngest(client),
      close: async () => {
        await release();
        client.close();
      },
    };
  });
} else {
  console.warn(`skipping the containerd content contract: ${missing}`);
}
