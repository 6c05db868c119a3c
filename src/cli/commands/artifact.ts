import type { Argv, CommandModule } from 'yargs';
import { shortDigest } from '../../oci/digest.js';
import { toList } from '../arguments.js';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';
import { tracked } from '../usage-context.js';

interface PackArgs extends GlobalOptions {
  name: string;
  files: string[];
  artifactType?: string;
  mediaType?: string;
  annotation?: string[];
  subject?: string;
}

const pack: CommandModule<GlobalOptions, PackArgs> = {
  command: 'pack <name> <files..>',
  describe: 'store files as one OCI artifact (empty config, one titled layer per file) named NAME',
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'name of the artifact in the store' })
      .positional('files', { type: 'string', array: true, demandOption: true, describe: 'files, each FILE or FILE:MEDIATYPE' })
      .option('artifact-type', { type: 'string', describe: 'the manifest artifactType (default application/vnd.unknown.artifact.v1)' })
      .option('media-type', { type: 'string', describe: 'layer media type of files without :MEDIATYPE (default application/octet-stream)' })
      .option('annotation', { type: 'string', coerce: toList, describe: 'manifest annotation KEY=VALUE (repeatable)' })
      .option('subject', { type: 'string', describe: 'image this artifact refers to: a name, NAME@sha256:… or a digest in the store' })
      .example('$0 artifact pack --artifact-type application/spdx+json --subject app:1 app:sbom sbom.json  # an SBOM next to its image', '')
      .example('$0 artifact pack acme/model:1 weights.bin:application/vnd.cnai.model.layer.v1.tar  # a custom layer type', '') as unknown as Argv<PackArgs>,
  handler: async (argv) => {
    const { packArtifactIntoStore } = await import('../../ops/pack-artifact.js');
    const result = await packArtifactIntoStore(await openStore(argv), argv.name, argv.files, {
      ...(argv.artifactType ? { artifactType: argv.artifactType } : {}),
      ...(argv.mediaType ? { mediaType: argv.mediaType } : {}),
      ...(argv.annotation ? { annotations: argv.annotation } : {}),
      ...(argv.subject ? { subject: argv.subject } : {}),
    });
    emit(argv, result, () => [
      `packed ${result.name} ${shortDigest(result.digest)} (${result.artifactType}, ${result.layers.length} layer(s))${result.subject ? ` referring to ${shortDigest(result.subject)}` : ''}`,
      ...result.layers.map((l) => `  ${l.title}  ${shortDigest(l.digest)}  ${l.mediaType}  ${l.size} bytes`),
    ]);
  },
};

export const artifactCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'artifact',
  describe: 'make OCI artifacts (models, SBOMs, configs) from files; see also `ferry extract`',
  builder: (y) => y.command(([pack] as unknown as CommandModule<GlobalOptions, GlobalOptions>[]).map(tracked)).demandCommand(1, 'name a subcommand: pack'),
  handler: () => undefined,
};
