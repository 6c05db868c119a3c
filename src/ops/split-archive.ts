import type { Writable } from 'node:stream';
import type { Platform } from '../oci/descriptor.js';
import type { Store } from '../store/index.js';
import { exportImages, type ExportResult } from './export-archive.js';
import { importArchive } from './import-archive.js';

export interface SplitOptions {
  /** `--platform P` (repeatable): the platforms to keep. */
  platform: string[];
  skipManifestJson?: boolean;
  host?: Platform;
}

/**
 * The reverse of merge: the images of an archive cut down to some platforms, their indexes rewritten to name only
 * those manifests (see rewriteIndex), so the result is complete rather than partial. It is an import into a
 * throw-away store followed by an export: the same platform rules, checks and archive format as those commands.
 */
export async function splitArchive(input: string, out: Writable, scratch: Store, opts: SplitOptions): Promise<ExportResult> {
  const host = opts.host ? { host: opts.host } : {};
  const imported = await importArchive(scratch, input, { platform: opts.platform, unpack: false, ...host });
  const names = [...new Set(imported.images.flatMap((i) => i.names))];
  return exportImages(scratch, names, out, { platform: opts.platform, ...(opts.skipManifestJson ? { skipManifestJson: true } : {}), ...host });
}
