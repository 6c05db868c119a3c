import type { Argv, CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { blobProgress } from '../progress.js';
import { openStore } from '../store.js';
import { copyOptions, copyText, transferOptions, type TransferArgs } from './registry-options.js';

interface PullArgs extends TransferArgs {
  ref: string;
  output?: string;
}

export const pullCommand: CommandModule<GlobalOptions, PullArgs> = {
  command: 'pull <ref>',
  describe: 'pull an image from a registry into the store (atomically), or straight to an archive with -o',
  builder: (y: Argv<GlobalOptions>) =>
    transferOptions(
      y
        .positional('ref', { type: 'string', demandOption: true, describe: 'image reference, e.g. ghcr.io/team/app:1 or alpine@sha256:…' })
        .option('output', { alias: 'o', type: 'string', describe: 'write an archive (file, or - for stdout, which then carries only the archive; the result, --json too, goes to stderr) instead of storing' })
        .example('$0 pull alpine:3.19  # the platform this host runs, into the store', '')
        .example('$0 pull --all-platforms alpine:3.19  # every platform', '')
        .example('$0 pull --platform linux/arm64 -o a.tar alpine  # one platform, as an archive file', '')
        .epilog(
          'The image is stored under its full name (docker.io/library/alpine:3.19). Without --platform or --all-platforms ' +
            'ferry takes what the host runs ($FERRY_PLATFORM overrides it). Docker schema 1 images are converted to schema 2 on arrival.',
        ),
    ) as unknown as Argv<PullArgs>,
  handler: async (argv) => {
    const { pullImage } = await import('../../ops/pull.js');
    const store = await openStore(argv);
    const progress = blobProgress('pulling', argv);
    try {
      const result = await pullImage(store, argv.ref, { ...copyOptions(argv, progress.update), ...(argv.output ? { output: argv.output } : {}) });
      progress.done();
      emit(argv, result, () => copyText('pulled', result), { archiveOnStdout: argv.output === '-' });
    } finally {
      progress.done();
    }
  },
};
