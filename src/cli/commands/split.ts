import type { Argv, CommandModule } from 'yargs';
import { shortDigest } from '../../oci/digest.js';
import type { ExportResult } from '../../ops/export-archive.js';
import { toList } from '../arguments.js';
import { emit, type GlobalOptions } from '../output.js';
import { writeArchiveFile } from './archive-output.js';

interface SplitArgs extends GlobalOptions {
  input: string;
  platform: string[];
  output: string;
  skipManifestJson?: boolean;
}

export const splitCommand: CommandModule<GlobalOptions, SplitArgs> = {
  command: 'split <input>',
  describe: 'write the chosen platforms of an archive as a new, complete archive (indexes rewritten to name only them)',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('input', { type: 'string', demandOption: true, describe: 'archive file, or - for stdin' })
      .option('platform', { type: 'string', coerce: toList, demandOption: true, describe: 'platform to keep (repeatable), e.g. linux/arm64' })
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'archive to write, or - for stdout (which then carries only the archive; the result, --json too, goes to stderr)' })
      .option('skip-manifest-json', { type: 'boolean', describe: 'do not write the docker-save manifest.json' })
      .example('$0 split app.tar --platform linux/arm64 -o app-arm64.tar  # only arm64', '') as unknown as Argv<SplitArgs>,
  handler: async (argv) => {
    const [{ splitArchive }, { withScratchStore }] = await Promise.all([import('../../ops/split-archive.js'), import('../../ops/ends/scratch-store.js')]);
    const { result, where } = await withScratchStore(argv.output, (scratch) =>
      writeArchiveFile(argv.output, (out) =>
        splitArchive(argv.input, out, scratch, { platform: argv.platform, ...(argv.skipManifestJson ? { skipManifestJson: true } : {}) }),
      ),
    );
    const lines = splitText(where, result);
    emit(argv, { out: where, ...result }, () => lines, { archiveOnStdout: where === 'stdout' });
  },
};

function splitText(where: string, result: ExportResult): string[] {
  return [
    `wrote ${where}: ${result.images.length} image(s), ${result.blobs} blobs, ${result.bytes} bytes`,
    ...result.images.map((i) => `${i.name} ${shortDigest(i.digest)}${i.originalDigest ? ` (was ${shortDigest(i.originalDigest)})` : ''}: ${i.platforms.join(', ')}`),
  ];
}
