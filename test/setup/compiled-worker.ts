import { readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Node cannot run a worker thread from TypeScript, so under vitest applyLayer's layer worker is the compiled one
 * in dist/ (see src/unpack/layer-worker-host.ts). A dist/ older than the sources the worker is built from would
 * test yesterday's code in silence: this refuses to start the run until `npm run build` has caught up.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const IMPORT = /from '(\.\.?\/[^']+)\.js'/g;

function workerSources(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const [, spec] of readFileSync(entry, 'utf8').matchAll(IMPORT)) workerSources(join(dirname(entry), `${spec!}.ts`), seen);
  return seen;
}

for (const source of workerSources(join(root, 'src', 'unpack', 'layer-worker.ts'))) {
  const compiled = join(root, 'dist', relative(join(root, 'src'), source)).replace(/\.ts$/, '.js');
  let built: number;
  try {
    built = statSync(compiled).mtimeMs;
  } catch {
    throw new Error(`${relative(root, compiled)} is missing: run npm run build (the layer worker runs from dist/)`);
  }
  if (statSync(source).mtimeMs > built) throw new Error(`${relative(root, source)} is newer than its build: run npm run build (the layer worker runs from dist/)`);
}
