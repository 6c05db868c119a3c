import type { Argv, CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { blobProgress } from '../progress.js';
import { openStore } from '../store.js';
import { copyOptions, copyText, transferOptions, type TransferArgs } from './registry-options.js';

interface PushArgs extends TransferArgs {
  image: string;
  ref: string;
}

export const pushCommand: CommandModule<GlobalOptions, PushArgs> = {
  command: 'push <image> <ref>',
  describe: 'push an image of the store, or an archive file (- for stdin), to a registry (every platform unless --platform)',
  builder: (y: Argv<GlobalOptions>) =>
    transferOptions(
      y
        .positional('image', { type: 'string', demandOption: true, describe: 'image name in the store, or an archive file (- for stdin)' })
        .positional('ref', { type: 'string', demandOption: true, describe: 'destination reference, e.g. ghcr.io/team/app:1' })
        .example('$0 push alpine:3.19 127.0.0.1:5000/alpine:3.19  # an image of the store', '')
        .example('$0 push --platform linux/arm64 a.tar ghcr.io/me/a:1  # one platform of an archive file', '')
        .epilog(
          'Blobs the registry already has are not sent again; blobs over 16 MiB go up in chunks. When only ' +
            'some platforms go (--platform, or a store holding part of an index) the index is rewritten to those, so the ' +
            'pushed digest differs from the original.',
        ),
    ) as unknown as Argv<PushArgs>,
  handler: async (argv) => {
    const { pushImage } = await import('../../ops/push.js');
    const store = await openStore(argv);
    const progress = blobProgress('pushing', argv);
    try {
      const result = await pushImage(store, argv.image, argv.ref, copyOptions(argv, progress.update, [argv.image]));
      progress.done();
      emit(argv, result, () => copyText('pushed', result));
    } finally {
      progress.done();
    }
  },
};
