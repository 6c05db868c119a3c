import type { ImageTree } from '../../ops/policy/image-tree.js';
import { humanBytes } from '../human-bytes.js';
import { tableLines } from '../table.js';

/**
 * Per platform: its layers, their size, and how much of it other platforms share, so a reader sees at a glance
 * what a platform adds to the archive. SHARED counts layers another platform of the image also uses; the last
 * line is the image as stored, every blob once.
 */
export function platformSizeLines(tree: ImageTree): string[] {
  const users = new Map<string, Set<string>>();
  for (const m of tree.manifests) for (const l of m.layers) users.set(l.digest, (users.get(l.digest) ?? new Set()).add(m.manifest.digest));
  const rows = tree.manifests.map((m) => {
    const layers = m.layers.reduce((sum, l) => sum + l.size, 0);
    const shared = m.layers.filter((l) => (users.get(l.digest)?.size ?? 0) > 1).reduce((sum, l) => sum + l.size, 0);
    const own = m.manifest.size + (m.config?.size ?? 0) + layers;
    return [m.platform, String(m.layers.length), humanBytes(own), humanBytes(shared), humanBytes(own - shared)];
  });
  const unique = new Map<string, number>([[tree.target.digest, tree.target.size]]);
  for (const m of tree.manifests) {
    for (const b of [m.manifest, ...(m.config ? [m.config] : []), ...m.layers, ...m.attestations.flatMap((a) => [a.manifest, ...(a.config ? [a.config] : []), ...a.layers])]) {
      unique.set(b.digest, b.size);
    }
  }
  const total = [...unique.values()].reduce((a, b) => a + b, 0);
  const all = ['all, each blob once', String(users.size), humanBytes(total), '', ''];
  return tableLines(['PLATFORM', 'LAYERS', 'SIZE', 'SHARED', 'OWN'], [...rows, all]).map((l) => `  ${l}`);
}
