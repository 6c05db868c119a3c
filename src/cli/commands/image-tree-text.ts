import { shortDigest } from '../../oci/digest.js';
import type { ImageTree, TreeBlob, TreeManifest } from '../../ops/policy/image-tree.js';
import { humanBytes } from '../human-bytes.js';

/** The text form of image trees, shared by `ferry inspect` (details) and `ferry verify` (status only). */
export function imageTreeText(tree: ImageTree, detailed: boolean): string[] {
  const name = tree.names.join(', ') || '(unnamed)';
  const delta = tree.delta ? ' [delta: completed by a store holding its base]' : '';
  const lines = [`${name} ${shortDigest(tree.target.digest)} ${tree.target.mediaType}: ${tree.status}${delta}`];
  if (detailed) lines.push(...annotationLines(tree.target, '  '));
  for (const nested of tree.indexes) lines.push(`  index ${shortDigest(nested)}`);
  for (const m of tree.manifests) lines.push(...manifestLines(m, '  ', detailed));
  for (const o of tree.other) lines.push(`  other ${blobText(o)}`);
  return lines;
}

function manifestLines(m: TreeManifest, indent: string, detailed: boolean): string[] {
  const status = m.complete ? 'complete' : `partial, missing ${m.missing.map(shortDigest).join(', ')}`;
  const lines = [`${indent}${m.platform}: ${status}`];
  if (!detailed) return lines;
  const inner = `${indent}  `;
  lines.push(`${inner}manifest ${blobText(m.manifest)}`, ...annotationLines(m.manifest, `${inner}  `));
  if (m.config) lines.push(`${inner}config ${blobText(m.config)}`);
  for (const layer of m.layers) lines.push(`${inner}layer ${blobText(layer)}`, ...annotationLines(layer, `${inner}  `));
  for (const a of m.attestations) lines.push(...manifestLines({ ...a, platform: `attestation (${a.platform})` }, inner, true));
  return lines;
}

function blobText(b: TreeBlob): string {
  const state = b.state === 'present' ? '' : ` [${b.state}]`;
  return `${shortDigest(b.digest)} ${humanBytes(b.size)} ${b.mediaType}${state}`;
}

function annotationLines(b: TreeBlob, indent: string): string[] {
  return Object.entries(b.annotations ?? {}).map(([k, v]) => `${indent}${k}=${v}`);
}
