import type { Argv, CommandModule } from 'yargs';
import type { ImportedImage, ImportResult } from '../../ops/import-archive.js';
import { shortDigest } from '../../oci/digest.js';
import { emit, note, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';
import { phaseProgress } from '../progress.js';
import { toList } from '../arguments.js';

interface ImportArgs extends GlobalOptions {
  archive: string;
  allPlatforms?: boolean;
  platform?: string[];
  unpackPlatform?: string;
  strictPlatform?: boolean;
  unpack: boolean;
  baseName?: string;
  indexName?: string;
  digests?: boolean;
  skipDigestForNamed?: boolean;
}

export const importCommand: CommandModule<GlobalOptions, ImportArgs> = {
  command: 'import <archive>',
  describe: 'import an image archive (OCI layout, docker save, containerd export; gzip/zstd; - for stdin)',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('archive', { type: 'string', demandOption: true, describe: 'archive file, or - for stdin' })
      .option('all-platforms', { type: 'boolean', describe: 'import the content of every platform' })
      .option('platform', { type: 'string', coerce: toList, describe: 'import only this platform (repeatable), e.g. linux/arm64' })
      .option('unpack-platform', { type: 'string', describe: 'platform to unpack (default: the requested platform, else the host)' })
      .option('strict-platform', { type: 'boolean', describe: 'unpack only an exact platform match, not the best compatible one' })
      .option('unpack', { type: 'boolean', default: true, describe: 'unpack the chosen platform into a snapshot (--no-unpack to skip)' })
      .option('base-name', { type: 'string', describe: 'repository for tag-only names in the archive (default import-YYYY-MM-DD)' })
      .option('index-name', { type: 'string', describe: "also keep the archive's own index.json as an image of this name" })
      .option('digests', { type: 'boolean', describe: 'also name every image <base-name>@<digest>' })
      .option('skip-digest-for-named', { type: 'boolean', describe: 'with --digests, skip digest names for images that have a name' })
      .example("$0 import --all-platforms alpine.tar  # keep every platform, unpack the host's", '')
      .example('$0 import --platform linux/arm64 alpine.tar.gz  # only arm64, unpacked', '')
      .example('zstdcat img.tar.zst | $0 import --no-unpack -  # from stdin', '') as unknown as Argv<ImportArgs>,
  handler: async (argv) => {
    const { importArchive } = await import('../../ops/import-archive.js');
    const store = await openStore(argv);
    const progress = phaseProgress(argv);
    progress.phase(`reading ${argv.archive === '-' ? 'stdin' : argv.archive} (every blob verified)`);
    const result = await importArchive(store, argv.archive, {
      onProgress: (read, total) => progress.update(read, total),
      onUnpackProgress: (platform, p) => {
        progress.phase(`unpacking ${platform}`);
        progress.update(p.read, p.total, `layer ${p.layer} of ${p.layers}`, p.entries);
      },
      allPlatforms: argv.allPlatforms,
      platform: argv.platform,
      unpackPlatform: argv.unpackPlatform,
      strictPlatform: argv.strictPlatform,
      unpack: argv.unpack,
      baseName: argv.baseName,
      indexName: argv.indexName,
      digests: argv.digests,
      skipDigestForNamed: argv.skipDigestForNamed,
    }).finally(() => progress.done());
    for (const image of result.images) for (const w of image.unpack?.outcome?.warnings ?? []) note(`warning: ${w}`);
    emit(argv, importJson(result), () => importText(result));
  },
};

/** As `ferry unpack --json`: the chosen manifest by digest, not the whole resolved image the library returns. */
function importJson(result: ImportResult): unknown {
  return {
    ...result,
    images: result.images.map((image) => {
      if (!image.unpack) return image;
      const { image: chosen, ...unpack } = image.unpack;
      return { ...image, unpack: { ...unpack, ...(chosen ? { manifest: chosen.manifest.digest } : {}) } };
    }),
  };
}

function importText(result: ImportResult): string[] {
  const lines = [`imported ${result.images.length} image(s) from ${result.archive} (${result.format}; ${result.selection})`];
  for (const image of result.images) lines.push(...imageText(image));
  return lines;
}

function imageText(image: ImportedImage): string[] {
  const lines = [`${image.names.join(', ')} ${shortDigest(image.digest)}`];
  lines.push(`  platforms: ${image.platforms.join(', ') || 'none'}${image.attestations ? ` (+${image.attestations} attestations)` : ''}`);
  for (const i of image.incomplete) lines.push(`  incomplete: ${i.platform} (missing ${i.missing.map(shortDigest).join(', ')})`);
  const u = image.unpack;
  if (!u) lines.push('  unpack: skipped (--no-unpack)');
  else if (u.image && u.outcome) lines.push(`  unpacked: ${u.reason}${u.outcome.reused ? ' (snapshot reused)' : ''}`, `  snapshot: ${u.outcome.snapshot}`);
  else lines.push(`  not unpacked: ${u.reason}; available: ${u.available.join(', ') || 'none'}; choose one with --unpack-platform`);
  return lines;
}
