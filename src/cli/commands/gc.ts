import type { CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';

export const gcCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'gc',
  describe: 'remove blobs no image reaches, and stale temp files',
  builder: (y) => y.example('$0 images rm old:1 && $0 gc  # forget an image, then free its blobs', ''),
  handler: async (argv) => {
    const result = await (await openStore(argv)).gc();
    emit(argv, result, () => [`removed ${result.removedBlobs.length} blob(s), ${result.removedSnapshots.length} unused snapshot(s) and ${result.removedTemp.length} temp file(s), freed ${result.bytesFreed} bytes of blobs`]);
  },
};
