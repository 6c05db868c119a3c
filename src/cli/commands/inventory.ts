import type { Argv, CommandModule } from 'yargs';
import { emit, type GlobalOptions } from '../output.js';
import { openStore } from '../store.js';

interface InventoryArgs extends GlobalOptions {
  output?: string;
}

export const inventoryCommand: CommandModule<GlobalOptions, InventoryArgs> = {
  command: 'inventory',
  describe: 'list the digests of every blob the store holds, sorted, one a line (for export --exclude-blobs-from)',
  builder: (y: Argv<GlobalOptions>) =>
    y
      .option('output', { alias: 'o', type: 'string', describe: 'write the list to this file (default: stdout)' })
      .example('$0 inventory -o have.txt  # on the far side; carry have.txt back', '')
      .example('$0 export --exclude-blobs-from have.txt delta.tar app:2  # on the near side: only what is missing', '') as unknown as Argv<InventoryArgs>,
  handler: async (argv) => {
    const [{ storeInventory }, { openOutput }] = await Promise.all([import('../../ops/inventory.js'), import('../../ops/ends/open-output.js')]);
    const digests = await storeInventory(await openStore(argv, { readOnly: true }));
    if (!argv.output || argv.output === '-') {
      emit(argv, digests, () => digests);
      return;
    }
    const output = await openOutput(argv.output);
    try {
      await new Promise<void>((resolve, reject) => output.stream.end(digests.map((d) => `${d}\n`).join(''), () => resolve()).once('error', reject));
      await output.commit();
    } catch (err) {
      await output.abort();
      throw err;
    }
    emit(argv, { out: output.where, blobs: digests.length }, () => [`wrote ${output.where}: ${digests.length} blob digest(s)`]);
  },
};
