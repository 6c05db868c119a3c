/**
 * ferry and skopeo (Debian package `skopeo`) through one registry (package `docker-registry`): each reads what
 * the other pushed, with equal digests. Skipped when either is missing.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { pullImage } from '../../src/ops/pull.js';
import { pushImage } from '../../src/ops/push.js';
import { Store } from '../../src/store/index.js';
import { SEVEN_PLATFORMS, type BuiltImage } from '../helpers/image-builder.js';
import type { RunningRegistry } from '../registry/registry-server.js';
import { startRegistryWithImage, stopRegistryWithImage, storeHas } from '../registry/fixtures.js';
import type { TempDir } from '../helpers/temp-dir.js';
import { describeInterop, REGISTRY_NEED, SKOPEO_NEED } from './harness/requirements.js';

const run = promisify(execFile);

describeInterop('ferry and skopeo through docker-registry', [REGISTRY_NEED, SKOPEO_NEED], () => {
  let registry: RunningRegistry;
  let tmp: TempDir;
  let store: Store;
  let image: BuiltImage;

  beforeAll(async () => {
    ({ registry, tmp, store, image } = await startRegistryWithImage('ferry-registry-skopeo-', { platforms: SEVEN_PLATFORMS, seed: 'skopeo' }, 'docker.io/library/seven:1'));
  });
  afterAll(() => stopRegistryWithImage({ registry, tmp }));

  it('skopeo reads the index and every manifest ferry pushed, byte for byte', async () => {
    const ref = `${registry.host}/ferry/seven:1`;
    await pushImage(store, 'docker.io/library/seven:1', ref);
    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]);
    expect(stdout).toBe(image.index.bytes.toString());
    const arm64 = image.manifests.find((m) => m.platform.architecture === 'arm64')!;
    const { stdout: manifest } = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${registry.host}/ferry/seven@${arm64.desc.digest}`]);
    expect(manifest).toBe(arm64.bytes.toString());
  });

  it('ferry pulls what skopeo pushed, with the same digests', async () => {
    const layout = join(tmp.dir, 'layout');
    await mkdir(layout, { recursive: true });
    await run('skopeo', ['copy', '--all', `oci:${store.root}:docker.io/library/seven:1`, `oci:${layout}:seven`]);
    const ref = `${registry.host}/skopeo/seven:1`;
    await run('skopeo', ['copy', '--all', '--dest-tls-verify=false', `oci:${layout}:seven`, `docker://${ref}`]);
    const { stdout } = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]);
    const other = await Store.open(join(tmp.dir, 'pulled'));
    const pulled = await pullImage(other, ref, { allPlatforms: true });
    expect(pulled.digest).toBe(digestOf(stdout));
    expect(pulled.digest).toBe(image.index.desc.digest);
    expect(pulled.platforms).toHaveLength(7);
    expect(await storeHas(other, image.content.blobs.keys())).toEqual([]);
  });
});
