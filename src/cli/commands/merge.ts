import type { Argv, CommandModule } from 'yargs';
import { shortDigest } from '../../oci/digest.js';
import type { MergeResult } from '../../ops/merge-archives.js';
import { emit, type GlobalOptions } from '../output.js';
import { blobProgress } from '../progress.js';
import { writeArchiveFile } from './archive-output.js';

interface MergeArgs extends GlobalOptions {
  out: string;
  inputs: string[];
  prefer?: 'first' | 'last';
  name?: string;
  skipManifestJson?: boolean;
}

export const mergeCommand: CommandModule<GlobalOptions, MergeArgs> = {
  command: 'merge <out> <inputs..>',
  describe: 'combine archives built per platform into one multi-platform archive (images of the same name share one index)',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('out', { type: 'string', demandOption: true, describe: 'archive to write, or - for stdout (which then carries only the archive; the result, --json too, goes to stderr)' })
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'archives to merge (OCI layout or docker save; gzip/zstd)' })
      .option('prefer', { choices: ['first', 'last'] as const, describe: 'when two inputs hold different manifests for one platform, keep the first or the last (default: fail)' })
      .option('name', { type: 'string', describe: 'name of the result; every image of every input is merged into it' })
      .option('skip-manifest-json', { type: 'boolean', describe: 'do not write the docker-save manifest.json' })
      .example("$0 merge app.tar app-amd64.tar app-arm64.tar  # one index for both CI jobs' images", '')
      .example('$0 merge --name ghcr.io/me/app:1 app.tar amd64.tar arm64.tar  # inputs that carry no (or other) names', '') as unknown as Argv<MergeArgs>,
  handler: async (argv) => {
    const [{ mergeArchives }, { withScratchStore }] = await Promise.all([import('../../ops/merge-archives.js'), import('../../ops/ends/scratch-store.js')]);
    const progress = blobProgress('merging', argv);
    try {
      const { result, where } = await withScratchStore(argv.out, (scratch) =>
        writeArchiveFile(argv.out, (out) =>
          mergeArchives(argv.inputs, out, scratch, {
            ...(argv.prefer ? { prefer: argv.prefer } : {}),
            ...(argv.name ? { name: argv.name } : {}),
            ...(argv.skipManifestJson ? { skipManifestJson: true } : {}),
            onProgress: progress.update,
          }),
        ),
      );
      progress.done();
      const lines = mergeText(where, result);
      emit(argv, { out: where, ...result }, () => lines, { archiveOnStdout: where === 'stdout' });
    } finally {
      progress.done();
    }
  },
};

function mergeText(where: string, result: MergeResult): string[] {
  const lines = [`wrote ${where}: ${result.images.length} image(s), ${result.blobs} blobs, ${result.bytes} bytes`];
  for (const image of result.images) {
    const how = image.unchanged ? ' (index unchanged)' : '';
    lines.push(`${image.name} ${shortDigest(image.digest)}${how}: ${image.platforms.join(', ')}${image.dockerPlatform ? `; docker load gets ${image.dockerPlatform}` : ''}`);
    for (const d of image.dropped) lines.push(`  dropped ${d.platform} ${shortDigest(d.digest)} from ${d.input} (${d.reason === 'duplicate' ? 'same manifest as an earlier input' : '--prefer chose another'})`);
    if (image.droppedAttestations > 0) lines.push(`  left out ${image.droppedAttestations} attestation(s) whose content the inputs lack`);
  }
  return lines;
}
