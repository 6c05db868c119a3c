import type { Argv, CommandModule } from 'yargs';
import { emit, note, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';
import { phaseProgress } from '../progress.js';

interface UnpackArgs extends GlobalOptions {
  image: string;
  dir: string;
  platform?: string;
  strictPlatform?: boolean;
  force?: boolean;
}

export const unpackCommand: CommandModule<GlobalOptions, UnpackArgs> = {
  command: 'unpack <image> <dir>',
  describe: "write an image's root filesystem into a directory (best match for --platform, else the host)",
  builder: (y: Argv<GlobalOptions>) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'image name in the store, e.g. alpine:3.19' })
      .positional('dir', { type: 'string', demandOption: true, describe: 'directory to write the root filesystem into (new or empty)' })
      .option('platform', { type: 'string', describe: 'platform to unpack; the best compatible match is taken (linux/arm/v8 → arm/v7)' })
      .option('strict-platform', { type: 'boolean', describe: 'demand an exact platform match' })
      .option('force', { type: 'boolean', describe: 'replace a non-empty directory (by default it is refused)' })
      .example('$0 unpack --platform linux/arm64 alpine:3.19 ./rootfs  # the arm64 root filesystem', '') as unknown as Argv<UnpackArgs>,
  handler: async (argv) => {
    const { unpackToDirectory } = await import('../../ops/unpack-image.js');
    const progress = phaseProgress(argv);
    progress.phase(`unpacking ${argv.image}`);
    const result = await unpackToDirectory(await openStore(argv, { readOnly: true }), argv.image, argv.dir, {
      platform: argv.platform,
      strictPlatform: argv.strictPlatform,
      force: argv.force,
      onProgress: (p) => progress.update(p.read, p.total, `layer ${p.layer} of ${p.layers}`, p.entries),
    }).finally(() => progress.done());
    result.warnings.forEach((w) => note(`warning: ${w}`));
    const { image: _chosen, ...json } = result;
    emit(argv, json, () => [`unpacked ${result.name} into ${result.dir}: ${result.reason}`]);
  },
};
