import type { Argv, CommandModule } from 'yargs';
import { FerryError } from '../../errors.js';
import type { Compression } from '../../oci/compression.js';
import { shortDigest } from '../../oci/digest.js';
import type { ConvertStoredResult } from '../../ops/convert-image.js';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';

interface ConvertArgs extends GlobalOptions {
  image: string;
  layers?: 'gzip' | 'zstd' | 'uncompressed';
  oci?: boolean;
  docker?: boolean;
  tag?: string;
}

const LAYER_CHOICES: Record<NonNullable<ConvertArgs['layers']>, Compression> = { gzip: 'gzip', zstd: 'zstd', uncompressed: 'none' };

export const convertCommand: CommandModule<GlobalOptions, ConvertArgs> = {
  command: 'convert <image>',
  describe: 'recompress the layers of a stored image, or switch it between Docker and OCI media types',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'name of an image in the store' })
      .option('layers', { choices: ['gzip', 'zstd', 'uncompressed'] as const, describe: 'recompress every layer' })
      .option('oci', { type: 'boolean', describe: 'switch to OCI media types' })
      .option('docker', { type: 'boolean', describe: 'switch to Docker schema2 media types (drops annotations)' })
      .option('tag', { type: 'string', describe: 'store the result under this name (default: replace IMAGE)' })
      .conflicts('oci', 'docker')
      .example('$0 convert alpine:3.19 --layers zstd --tag alpine:3.19-zstd  # a zstd twin of an image', '')
      .example('$0 convert alpine:3.19 --oci  # OCI media types, so skopeo can address it', '') as unknown as Argv<ConvertArgs>,
  handler: async (argv) => {
    if (!argv.oci && !argv.docker && !argv.layers) {
      throw new FerryError('ERR_USAGE', 'nothing to convert', { hint: 'give --oci, --docker or --layers gzip|zstd|uncompressed' });
    }
    const { convertStoredImage } = await import('../../ops/convert-image.js');
    const result = await convertStoredImage(await openStore(argv), argv.image, {
      ...(argv.oci ? { format: 'oci' as const } : argv.docker ? { format: 'docker' as const } : {}),
      ...(argv.layers ? { layers: LAYER_CHOICES[argv.layers] } : {}),
      ...(argv.tag ? { tag: argv.tag } : {}),
    });
    emit(argv, result, () => convertText(result));
  },
};

function convertText(result: ConvertStoredResult): string[] {
  const lines = [`${result.source} → ${result.name} ${shortDigest(result.target.digest)} (${result.target.mediaType})`];
  if (result.unchanged) lines.push('  nothing to change: the image already is what was asked for; nothing was written');
  else if (result.changed.length === 0) lines.push('  nothing changed');
  for (const c of result.changed) {
    lines.push(`  ${c.kind}: ${shortDigest(c.from.digest)} → ${shortDigest(c.to.digest)}${c.from.mediaType === c.to.mediaType ? '' : `  ${c.from.mediaType} → ${c.to.mediaType}`}`);
  }
  for (const d of result.dropped) lines.push(`  dropped: ${d}`);
  for (const s of result.skipped) lines.push(`  not converted (not in the store): ${shortDigest(s)}`);
  return lines;
}
