import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DockerEngine, dockerSocket, loadImages } from '../../daemons/docker-engine/index.js';
import { FerryError } from '../../errors.js';
import { resolveImage } from '../../graph/resolve.js';
import type { Descriptor } from '../../oci/descriptor.js';
import { layerCompression } from '../../oci/mediatypes.js';
import { formatPlatform, hostPlatform, parsePlatform } from '../../platform/index.js';
import { Store } from '../../store/index.js';
import type { DaemonOptions, DaemonUnpack } from './daemon-options.js';
import { exportImages } from '../export-archive.js';
import type { ImageLocation } from './image-location.js';
import type { OpenedImage } from './image-source.js';
import { selectPlatforms, type PlatformArgs } from '../policy/platform-filter.js';
import { transferImage, type TransferResult } from '../../graph/copy.js';
import { resolveUnpackTarget } from '../policy/unpack-target.js';

export interface DockerCopyOptions extends PlatformArgs {
  daemons?: DaemonOptions;
  jobs?: number;
  onProgress?: (written: number, desc: Descriptor) => void;
}

export interface DockerLoaded {
  moved: TransferResult;
  /** The names the engine reported loading. */
  loaded: string[];
  unpack: DaemonUnpack;
}

/**
 * Loads an image into the docker engine. The engine keeps one platform per name, so the platform it runs is
 * resolved explicitly (unpack-target.ts: `--unpack-platform`, else the first `--platform`, else the host), that
 * platform goes into a temporary store and out as ferry's export (OCI layout + manifest.json with the full name)
 * straight into POST /images/load. zstd layers are recompressed to gzip on the way: docker 20.10 cannot read them.
 */
export async function copyIntoDockerDaemon(opened: OpenedImage, to: ImageLocation & { kind: 'docker-daemon' }, opts: DockerCopyOptions): Promise<DockerLoaded> {
  const daemons = opts.daemons ?? {};
  const engine = new DockerEngine(dockerSocket(daemons.dockerHost));
  const resolved = await resolveImage(opened.source, opened.top, { all: true });
  const requested = selectPlatforms(opts).requested[0];
  const wanted = daemons.unpackPlatform ? parsePlatform(daemons.unpackPlatform) : requested;
  const { image, ...choice } = resolveUnpackTarget(resolved.selected, { host: hostPlatform(), ...(wanted ? { platform: wanted } : {}), ...(daemons.strictPlatform ? { strict: true } : {}) });
  if (!image?.platform) {
    throw new FerryError('ERR_PLATFORM_NOT_FOUND', `${opened.name}: ${choice.reason}; the docker engine keeps one platform per name`, {
      hint: `available: ${choice.available.join(', ') || 'none'}; choose one with --unpack-platform`,
    });
  }
  const platform = formatPlatform(image.platform);
  const dir = await mkdtemp(join(tmpdir(), 'ferry-docker-'));
  try {
    const temp = await Store.open(dir);
    const staging = await temp.stage();
    const moved = await transferImage(opened.source, staging, opened.top, {
      selection: selectPlatforms({ platform: [platform] }),
      completeIndex: false,
      ...(opts.jobs ? { jobs: opts.jobs } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    await staging.commit({ keep: moved.blobs.map((b) => b.digest), records: [{ name: to.name, target: moved.target }] });
    const zstd = image.layers.some((l) => layerCompression(l.mediaType) === 'zstd');
    const tar = new PassThrough({ highWaterMark: 1024 * 1024 });
    // Whichever side fails first ends the other (the tar between them is destroyed) and is the error reported;
    // both are settled before the temporary store is removed.
    let first: unknown;
    const failed = (err: unknown) => {
      first ??= err;
      tar.destroy(err as Error);
      throw err;
    };
    const exporting = exportImages(temp, [to.name], tar, { platform: [platform], dockerPlatform: platform, ...(zstd ? { layerCompression: 'gzip' as const } : {}) }).catch(failed);
    const loading = loadImages(engine, tar).catch(failed);
    const [loaded] = await Promise.allSettled([loading, exporting]);
    if (first !== undefined || loaded.status === 'rejected') throw first;
    return { moved, loaded: loaded.value, unpack: { ...choice, manifest: image.manifest.digest } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
