import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: root });

/** The boundary messages ESLint reports for `code` as if it were the file at `path` under the project root. */
async function crossings(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result!.messages.filter((m) => m.ruleId === 'ferry/import-boundaries').map((m) => m.message);
}

describe('import boundaries', () => {
  it('lets a folder import the layers below it, at any depth', async () => {
    expect(await crossings('src/graph/walk.ts', "import { parsePlatform } from '../platform/index.js';\nexport const p = parsePlatform;\n")).toEqual([]);
    expect(await crossings('src/cli/commands/x.ts', "import { importArchive } from '../../ops/import-archive.js';\nexport const f = importArchive;\n")).toEqual([]);
  });

  it('refuses a lower folder importing a higher one', async () => {
    const found = await crossings('src/platform/host.ts', "import { walk } from '../graph/walk.js';\nexport const w = walk;\n");
    expect(found).toEqual(["src/platform may not import src/graph ('../graph/walk.js'): lower folders never import higher ones, and ends meet only in the engine"]);
    expect(await crossings('src/convert/schema1/x.ts', "import { Store } from '../../store/index.js';\nexport const s = Store;\n")).toHaveLength(1);
  });

  it('refuses one end importing another: transports meet only in the engine', async () => {
    expect(await crossings('src/archive/read/scan.ts', "import { Store } from '../../store/index.js';\nexport const s = Store;\n")).toHaveLength(1);
    expect(await crossings('src/store/gc.ts', "export { RegistryContent } from '../registry/content.js';\n")).toHaveLength(1);
  });

  it('refuses a folder that is not placed in the layers', async () => {
    expect(await crossings('src/helpers/x.ts', "import { FerryError } from '../errors.js';\nexport const e = FerryError;\n")).toEqual([
      'src/helpers is not placed in the layers of lint/import-boundaries.js',
    ]);
  });
});
