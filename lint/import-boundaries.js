import { dirname, relative, resolve, sep } from 'node:path';

/**
 * The layers of src/, as DESIGN.md draws them: each folder lists the folders it may import. Lower folders never
 * import higher ones (oci ← platform ← graph ← ends; unpack/convert/artifact ← ops ← cli), and no end imports
 * another end: transports meet only in the engine (graph) and the operations (ops) that run it. A folder not in
 * this table is an error, so a new folder has to be placed in the layers before it can be used.
 */
const base = ['errors.ts'];
export const LAYERS = {
  'errors.ts': [],
  oci: [...base],
  platform: [...base, 'oci'],
  graph: [...base, 'oci', 'platform'],
  store: [...base, 'oci', 'platform', 'graph'],
  archive: [...base, 'oci', 'platform', 'graph'],
  registry: [...base, 'oci', 'platform', 'graph'],
  daemons: [...base, 'oci', 'platform', 'graph'],
  unpack: [...base, 'oci', 'platform', 'graph'],
  convert: [...base, 'oci', 'platform', 'graph'],
  artifact: [...base, 'oci', 'platform', 'graph', 'unpack'],
  ops: [...base, 'oci', 'platform', 'graph', 'store', 'archive', 'registry', 'daemons', 'unpack', 'convert', 'artifact'],
  cli: [...base, 'oci', 'platform', 'graph', 'store', 'archive', 'registry', 'daemons', 'unpack', 'convert', 'artifact', 'ops'],
  // The public library API exposes operations and the types they take; the CLI is not part of it.
  'index.ts': [...base, 'oci', 'platform', 'graph', 'store', 'archive', 'registry', 'daemons', 'unpack', 'convert', 'artifact', 'ops'],
};

/** The first path segment under src/ (a folder, or a file at the top such as errors.ts), or undefined outside src/. */
function layerOf(srcRoot, file) {
  const rel = relative(srcRoot, file);
  if (rel.startsWith('..')) return undefined;
  return rel.split(sep)[0];
}

/** Resolves each relative import against the importing file, so depth and `../` chains cannot hide a crossing. */
export const importBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'src/ folders import only the layers below them (see lint/import-boundaries.js)' },
    schema: [],
    messages: {
      crossing: "src/{{from}} may not import src/{{to}} ('{{spec}}'): lower folders never import higher ones, and ends meet only in the engine",
      unplaced: 'src/{{from}} is not placed in the layers of lint/import-boundaries.js',
    },
  },
  create(context) {
    const srcRoot = resolve(context.cwd, 'src');
    const from = layerOf(srcRoot, context.filename);
    if (from === undefined) return {};
    const allowed = LAYERS[from];
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = layerOf(srcRoot, resolve(dirname(context.filename), spec));
      if (to === undefined || to === from) return;
      if (!allowed) context.report({ node, messageId: 'unplaced', data: { from } });
      else if (!allowed.includes(to.replace(/\.js$/, '.ts'))) context.report({ node, messageId: 'crossing', data: { from, to, spec } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
