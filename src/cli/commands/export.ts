import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import type { Argv, CommandModule } from 'yargs';
import type { ExportResult } from '../../ops/export-archive.js';
import { shortDigest } from '../../oci/digest.js';
import { humanBytes } from '../human-bytes.js';
import { emit, note, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';
import { toList } from '../arguments.js';
import { blobProgress } from '../progress.js';

interface ExportArgs extends GlobalOptions {
  out: string;
  images: string[];
  allPlatforms?: boolean;
  platform?: string[];
  keepIndex?: boolean;
  allowPartial?: boolean;
  skipManifestJson?: boolean;
  skipNonDistributable?: boolean;
  dockerPlatform?: string;
  compress?: 'gzip' | 'zstd';
  excludeBlobsFrom?: string;
  skipAttestations?: boolean;
  referrers?: boolean;
  layerCompression?: 'gzip' | 'zstd' | 'uncompressed';
}

export const exportCommand: CommandModule<GlobalOptions, ExportArgs> = {
  command: 'export <out> <images..>',
  describe: 'export images as one tar that is an OCI layout and a docker-save archive (- for stdout)',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('out', { type: 'string', demandOption: true, describe: 'archive to write, or - for stdout (which then carries only the archive; the result, --json too, goes to stderr)' })
      .positional('images', { type: 'string', array: true, demandOption: true, describe: 'image names in the store' })
      .option('all-platforms', { type: 'boolean', describe: 'export the full index and every platform' })
      .option('platform', { type: 'string', coerce: toList, describe: 'export only this platform (repeatable); the index is rewritten' })
      .option('keep-index', { type: 'boolean', describe: 'with --platform: keep the original index (the archive is partial)' })
      .option('allow-partial', { type: 'boolean', describe: 'export what the store holds even if a platform is incomplete' })
      .option('skip-manifest-json', { type: 'boolean', describe: 'do not write the docker-save manifest.json' })
      .option('skip-non-distributable', { type: 'boolean', describe: 'leave out foreign / non-distributable layers' })
      .option('docker-platform', { type: 'string', describe: 'platform of the manifest.json entries, which docker load follows (default: the host\'s best match; podman load of a one-image archive picks the host platform from index.json)' })
      .option('compress', { choices: ['gzip', 'zstd'] as const, describe: 'compress the whole archive' })
      .option('skip-attestations', { type: 'boolean', describe: 'drop BuildKit attestation manifests (the index is rewritten)' })
      .option('referrers', { type: 'boolean', describe: 'also export artifacts in the store whose subject is the image' })
      .option('layer-compression', { choices: ['gzip', 'zstd', 'uncompressed'] as const, describe: 'recompress layers on the way out' })
      .option('exclude-blobs-from', {
        type: 'string',
        describe: 'write a delta: leave out layers the far side has, given as an archive it imported or a digest list (ferry inventory); no manifest.json',
      })
      .example('$0 export --all-platforms alpine.tar alpine:3.19  # every platform, loadable by docker and ctr', '')
      .example('$0 export --platform linux/arm64 - alpine:3.19 | ssh far ferry import -  # stream one platform', '')
      .example('$0 export --exclude-blobs-from app-1.tar app-2-delta.tar app:2  # only what app:1 lacks', '') as unknown as Argv<ExportArgs>,
  handler: async (argv) => {
    const [{ compressArchive }, { readExcludedBlobs }, { exportImages }, { openOutput }, { readProgress }] = await Promise.all([
      import('../../archive/write/index.js'),
      import('../../ops/policy/delta.js'),
      import('../../ops/export-archive.js'),
      import('../../ops/ends/open-output.js'),
      import('../../ops/ends/read-progress.js'),
    ]);
    const store = await openStore(argv, { readOnly: true });
    // Read before the output is opened: the base may be large, and a bad one must not leave an empty archive.
    const excludeBlobs = argv.excludeBlobsFrom ? await readExcludedBlobs(argv.excludeBlobsFrom) : undefined;
    const output = await openOutput(argv.out);
    const progress = blobProgress('exporting', argv);
    try {
      const tar = new PassThrough({ highWaterMark: 1024 * 1024 });
      let compressed = 0;
      const counter = readProgress((n) => (compressed = n));
      const sink = argv.compress ? pipeline(tar, compressArchive(argv.compress), counter, output.stream) : pipeline(tar, output.stream);
      // A failed export destroys `tar`, which rejects `sink` too; the export's own error is the one to report.
      sink.catch(() => undefined);
      const result = await exportImages(store, argv.images, tar, {
        allPlatforms: argv.allPlatforms,
        platform: argv.platform,
        keepIndex: argv.keepIndex,
        allowPartial: argv.allowPartial,
        skipManifestJson: argv.skipManifestJson,
        skipNonDistributable: argv.skipNonDistributable,
        dockerPlatform: argv.dockerPlatform,
        excludeBlobs,
        skipAttestations: argv.skipAttestations,
        referrers: argv.referrers,
        layerCompression: argv.layerCompression === 'uncompressed' ? 'none' : argv.layerCompression,
        onProgress: progress.update,
      });
      await sink;
      await output.commit();
      progress.done();
      const warnings = [...(result.warnings ?? []), ...archiveCompressionWarnings(argv.compress, result)];
      // Warnings go to stderr in every mode, so --json on stdout and an archive on stdout stay clean.
      for (const w of warnings) note(`warning: ${w}`);
      const written = argv.compress ? { compression: argv.compress, compressedBytes: compressed } : {};
      emit(argv, { out: output.where, ...result, ...written, ...(warnings.length > 0 ? { warnings } : {}) }, () => exportText(output.where, result, written), {
        archiveOnStdout: output.where === 'stdout',
      });
    } catch (err) {
      progress.done();
      await output.abort();
      throw err;
    }
  },
};

/** docker engines before 23 cannot read a zstd-compressed archive, so its docker-load entries are of no use there. */
function archiveCompressionWarnings(compress: string | undefined, result: ExportResult): string[] {
  if (compress !== 'zstd' || !result.images.some((i) => i.dockerPlatform)) return [];
  return ['the archive is zstd-compressed, which docker engines before 23 cannot load; use --compress gzip for them'];
}

function exportText(where: string, result: ExportResult, written: { compression?: string; compressedBytes?: number }): string[] {
  const lines = result.images.map((i) => {
    const rewritten = i.originalDigest ? ` (rewritten from ${shortDigest(i.originalDigest)})` : '';
    const partial = i.partial ? ' [partial]' : '';
    return `${i.name} ${shortDigest(i.digest)}${rewritten}: ${i.platforms.join(', ')}${partial}${i.dockerPlatform ? `; docker load gets ${i.dockerPlatform}` : ''}`;
  });
  const delta = result.excluded === undefined ? '' : ` (delta: ${result.excluded} blob(s) the far side has left out)`;
  const size = written.compressedBytes === undefined ? humanBytes(result.bytes) : `${humanBytes(written.compressedBytes)} ${written.compression} (${humanBytes(result.bytes)} of tar)`;
  const summary = `wrote ${where}: ${result.images.length} image(s), ${result.blobs} blobs, ${size}${delta}`;
  return [summary, ...lines];
}
