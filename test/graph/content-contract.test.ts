/**
 * The content contract (content-contract.ts) run against every end that is both a source and a target: the
 * store, a staging area of it, a registry repository (Debian package `docker-registry`) and the in-memory store
 * the tests use.
 */
import { parseReference } from '../../src/oci/reference.js';
import { openRepository, RegistryContent } from '../../src/registry/index.js';
import { Store } from '../../src/store/index.js';
import { MemoryContent } from '../helpers/memory-content.js';
import { tempDir } from '../helpers/temp-dir.js';
import { describeInterop, REGISTRY_NEED } from '../interop/harness/requirements.js';
import { startRegistry } from '../registry/registry-server.js';
import { contentContract } from './content-contract.js';

contentContract('store', async () => {
  const tmp = await tempDir('ferry-contract-store-');
  return { end: await Store.open(tmp.dir), close: tmp.cleanup };
});

contentContract('staging area of the store', async () => {
  const tmp = await tempDir('ferry-contract-staging-');
  const staging = await (await Store.open(tmp.dir)).stage();
  const close = async () => {
    await staging.abort();
    await tmp.cleanup();
  };
  return { end: staging, close };
});

contentContract('in-memory store', async () => ({ end: new MemoryContent(), close: async () => undefined }));

describeInterop('registry content contract', [REGISTRY_NEED], () => {
  let repo = 0;
  contentContract('registry repository (docker-registry)', async () => {
    const registry = await startRegistry();
    const end = new RegistryContent(await openRepository(parseReference(`${registry.host}/contract/r${++repo}`)));
    return { end, close: () => registry.stop() };
  });
});
