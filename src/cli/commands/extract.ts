import type { Argv, CommandModule } from 'yargs';
import { shortDigest } from '../../oci/digest.js';
import { emit, note, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';

interface ExtractArgs extends GlobalOptions {
  artifact: string;
  dir: string;
  layer?: string;
}

export const extractCommand: CommandModule<GlobalOptions, ExtractArgs> = {
  command: 'extract <artifact> <dir>',
  describe: "write an artifact's layers as files into a new or empty directory (titled layers as files, tar layers extracted)",
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('artifact', { type: 'string', demandOption: true, describe: 'artifact name in the store, NAME@sha256:… or a digest' })
      .positional('dir', { type: 'string', demandOption: true, describe: 'directory to create (or an empty one)' })
      .option('layer', { type: 'string', describe: 'only this layer: its index (0-based) or its org.opencontainers.image.title' })
      .example('$0 extract ghcr.io/acme/model:1 ./model  # every layer, merged into ./model', '')
      .example('$0 extract --layer weights.bin ghcr.io/acme/model:1 ./w  # one layer by title', '') as unknown as Argv<ExtractArgs>,
  handler: async (argv) => {
    const { extractArtifactFromStore } = await import('../../ops/extract-artifact.js');
    const result = await extractArtifactFromStore(await openStore(argv, { readOnly: true }), argv.artifact, argv.dir, argv.layer === undefined ? {} : { layer: String(argv.layer) });
    result.warnings.forEach((w) => note(`warning: ${w}`));
    emit(argv, result, () => [
      `extracted ${result.artifact} (${result.artifactType ?? shortDigest(result.digest)}) into ${result.dir}`,
      ...result.layers.map((l) => `  ${shortDigest(l.digest)}  ${l.mediaType}  ${l.as === 'file' ? `→ ${l.path}` : '(tar, extracted)'}`),
    ]);
  },
};
