import type { ImageTree, TreeBlob } from '../../ops/policy/image-tree.js';
import { humanBytes } from '../human-bytes.js';

/**
 * Image trees as a Graphviz digraph (`ferry inspect --format dot a.tar | dot -Tsvg`): index → platform manifests →
 * config and layers. A layer is one node however many platforms use it, so shared layers have several arrows in;
 * missing blobs are dashed.
 */
export function imageTreesDot(trees: ImageTree[]): string[] {
  const lines = ['digraph ferry {', '  rankdir=LR;', '  node [shape=box, fontname="monospace", fontsize=10];'];
  const declared = new Set<string>();
  const node = (b: TreeBlob, label: string, extra = '') => {
    if (declared.has(b.digest)) return;
    declared.add(b.digest);
    const style = b.state === 'missing' ? ', style=dashed' : b.state === 'external' ? ', style=dotted' : '';
    lines.push(`  ${id(b.digest)} [label=${quote(`${label}\n${short(b.digest)}\n${humanBytes(b.size)}${b.state === 'present' ? '' : ` (${b.state})`}`)}${style}${extra}];`);
  };
  const edge = (from: string, to: string) => lines.push(`  ${id(from)} -> ${id(to)};`);
  for (const tree of trees) {
    node(tree.target, tree.names.join('\n') || 'image', ', shape=folder');
    for (const m of tree.manifests) {
      node(m.manifest, m.platform, ', style=rounded');
      edge(tree.target.digest, m.manifest.digest);
      if (m.config) {
        node(m.config, 'config', ', shape=note');
        edge(m.manifest.digest, m.config.digest);
      }
      for (const l of m.layers) {
        node(l, 'layer', ', shape=component');
        edge(m.manifest.digest, l.digest);
      }
      for (const a of m.attestations) {
        node(a.manifest, 'attestation', ', style=dotted');
        edge(m.manifest.digest, a.manifest.digest);
      }
    }
  }
  lines.push('}');
  return lines;
}

function id(digest: string): string {
  return quote(digest);
}

function short(digest: string): string {
  return digest.slice(0, digest.indexOf(':') + 13);
}

/** A DOT string: quotes and backslashes escaped, newlines as \n; names come from archives, so nothing else is trusted. */
function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/[\x00-\x1f\x7f]/g, '')}"`;
}
