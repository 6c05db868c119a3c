import type { CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';

export const gcCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'gc',
  describe: 'remove blobs no image reaches, and stale temp files',
  handler: async (argv) => {
    const result = await (await openStore(argv)).gc();
    emit(argv, result, () => [`removed ${result.removedBlobs.length} blob(s) and ${result.removedTemp.length} temp file(s), freed ${result.bytesFreed} bytes`]);
  },
};
