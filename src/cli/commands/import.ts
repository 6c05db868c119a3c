import type { Argv, CommandModule } from 'yargs';
import type { ImportedImage, ImportResult } from '../../ops/import-archive.js';
import { shortDigest } from '../../oci/digest.js';
import { emit, note, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';
import { phaseProgress } from '../progress.js';
import { toList } from '../arguments.js';
import type { ContainerdImportResult } from '../../ops/import-into-containerd.js';
import { FerryError } from '../../errors.js';
import { daemonArgs, daemonOptions, daemonUnpackText, type DaemonArgs } from './daemon-options.js';

interface ImportArgs extends GlobalOptions, DaemonArgs {
  archive: string;
  into?: string;
  allPlatforms?: boolean;
  platform?: string[];
  unpackPlatform?: string;
  strictPlatform?: boolean;
  unpack: boolean;
  baseName?: string;
  indexName?: string;
  digests?: boolean;
  skipDigestForNamed?: boolean;
  maxSize?: string;
}

export const importCommand: CommandModule<GlobalOptions, ImportArgs> = {
  command: 'import <archive>',
  describe: 'import an image archive (OCI layout, docker save, containerd export; gzip/zstd; - for stdin)',
  builder: (y: Argv<GlobalOptions>) =>
    daemonOptions(y, { unpackFlags: false })
      .positional('archive', { type: 'string', demandOption: true, describe: 'archive file, or - for stdin' })
      .option('into', { type: 'string', describe: 'import into containerd instead of the store: containerd:NAMESPACE (e.g. containerd:k8s.io)' })
      .option('all-platforms', { type: 'boolean', describe: 'import the content of every platform' })
      .option('platform', { type: 'string', coerce: toList, describe: 'import only this platform (repeatable), e.g. linux/arm64' })
      .option('unpack-platform', { type: 'string', describe: 'platform to unpack (default: the requested platform, else the host)' })
      .option('strict-platform', { type: 'boolean', describe: 'unpack only an exact platform match, not the best compatible one' })
      .option('unpack', { type: 'boolean', default: true, describe: 'unpack the chosen platform into a snapshot (--no-unpack to skip)' })
      .option('base-name', { type: 'string', describe: 'repository for tag-only names in the archive (default import-YYYY-MM-DD)' })
      .option('index-name', { type: 'string', describe: "also keep the archive's own index.json as an image of this name" })
      .option('digests', { type: 'boolean', describe: 'also name every image <base-name>@<digest>' })
      .option('skip-digest-for-named', { type: 'boolean', describe: 'with --digests, skip digest names for images that have a name' })
      .option('max-size', { type: 'string', describe: 'refuse an archive of more tar bytes than this, e.g. 20G (default $FERRY_MAX_IMPORT_SIZE, else 256G)' })
      .example("$0 import --all-platforms alpine.tar  # keep every platform, unpack the host's", '')
      .example('$0 import --platform linux/arm64 alpine.tar.gz  # only arm64, unpacked', '')
      .example('zstdcat img.tar.zst | $0 import --no-unpack -  # from stdin', '')
      .example("$0 import --all-platforms --into containerd:k8s.io images.tar  # into a Kubernetes node's containerd, every platform kept", '') as unknown as Argv<ImportArgs>,
  handler: async (argv) => {
    const { importArchive } = await import('../../ops/import-archive.js');
    const store = await openStore(argv);
    if (argv.into !== undefined) {
      const { importIntoContainerd } = await import('../../ops/import-into-containerd.js');
      const result = await importIntoContainerd(store, argv.archive, containerdNamespace(argv.into), {
        allPlatforms: argv.allPlatforms,
        platform: argv.platform,
        baseName: argv.baseName,
        digests: argv.digests,
        daemons: daemonArgs(argv),
      });
      emit(argv, result, () => containerdImportText(result));
      return;
    }
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
      maxSize: argv.maxSize,
    }).finally(() => progress.done());
    for (const w of result.warnings) note(`warning: ${w}`);
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
  for (const left of result.notImported) {
    lines.push(`not imported: ${left.names.join(', ') || left.digest} (${left.reason}); it has ${left.platforms.join(', ') || 'no complete platform'}: choose with --platform, or use --all-platforms`);
  }
  return lines;
}

function imageText(image: ImportedImage): string[] {
  const lines = [`${image.names.join(', ')} ${shortDigest(image.digest)}`];
  lines.push(`  platforms: ${image.platforms.join(', ') || 'none'}${image.attestations ? ` (+${image.attestations} attestations)` : ''}`);
  for (const i of image.incomplete) lines.push(`  incomplete: ${i.platform} (missing ${i.missing.map(shortDigest).join(', ')})`);
  const u = image.unpack;
  if (!u) lines.push('  unpack: skipped (--no-unpack)');
  else if (u.image && u.outcome) lines.push(`  unpacked: ${u.reason}${u.outcome.reused ? ' (snapshot reused)' : ''}`, `  snapshot: ${u.outcome.snapshot}`);
  else {
    const later = u.available[0] && image.names[0] ? `, or later: ferry unpack --platform ${u.available[0]} ${image.names[0]} DIR` : '';
    lines.push(`  not unpacked: ${u.reason}; available: ${u.available.join(', ') || 'none'}; choose one with --unpack-platform${later}`);
  }
  return lines;
}

/** `--into containerd:NAMESPACE` (a trailing / allowed); the only daemon import writes into directly. */
function containerdNamespace(into: string): string {
  const ns = /^containerd:([A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)\/?$/.exec(into)?.[1];
  if (!ns) throw new FerryError('ERR_USAGE', `--into ${JSON.stringify(into)} is not containerd:NAMESPACE`, { hint: 'write --into containerd:k8s.io (or containerd:default)' });
  return ns;
}

function containerdImportText(result: ContainerdImportResult): string[] {
  const lines = [`imported ${result.images.length} image(s) from ${result.archive} into containerd namespace ${result.namespace}`];
  for (const image of result.images) {
    lines.push(`${image.names.join(', ')} ${shortDigest(image.digest)}`, `  platforms: ${image.platforms.join(', ') || 'none'}`);
    if (image.incomplete.length > 0) lines.push(`  incomplete, left out: ${image.incomplete.join(', ')}`);
    lines.push(...(image.unpack ? daemonUnpackText(image.unpack, undefined) : ['  unpack: skipped (--no-unpack)']));
  }
  return lines;
}
