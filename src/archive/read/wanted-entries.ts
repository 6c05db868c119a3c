/**
 * From a survey, the entries the second pass writes: the blobs an OCI layout's index.json reaches, and the files
 * manifest.json names (followed through links) — everything readOciLayout and synthesizeDockerImages will read.
 * Undefined when the survey cannot tell — a referenced manifest or index the memory budget left unread may
 * reference anything — or when the archive names no image at all: then a single pass, its undecided entries
 * capped, writes what it can and reports what is wrong with the archive (a bad blob, a duplicate, no image).
 */
import { MAX_LINK_HOPS, safeEntryName } from '../tar-safety.js';
import { ReachableBlobs } from './reachable.js';
import { blobPath } from './scan.js';
import type { ArchiveSurvey } from './survey.js';

export function wantedEntries(survey: ArchiveSurvey, where: string): Set<string> | undefined {
  const wanted = new Set<string>();
  const index = survey.documents.get('index.json');
  if (index && survey.documents.has('oci-layout')) {
    const reachable = new ReachableBlobs();
    reachable.addIndex(index, (digest) => survey.documents.get(blobPath(digest)));
    for (const digest of reachable.unseen()) {
      // One absent from the archive hides nothing; one larger than a document is refused when the graph reads it.
      if (survey.unread.has(blobPath(digest))) return undefined;
    }
    for (const digest of reachable.all()) wanted.add(blobPath(digest));
  }
  const manifest = survey.documents.get('manifest.json');
  if (manifest) {
    for (const path of dockerManifestPaths(manifest)) wanted.add(followLinks(survey, safeEntryName(path, `${where}:manifest.json`)));
  }
  return wanted.size > 0 ? wanted : undefined;
}

/** The Config and Layers paths of manifest.json, read leniently: the scan parses it strictly afterwards. */
function dockerManifestPaths(bytes: Buffer): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(doc)) return [];
  const paths: string[] = [];
  for (const entry of doc as { Config?: unknown; Layers?: unknown }[]) {
    if (typeof entry?.Config === 'string') paths.push(entry.Config);
    if (Array.isArray(entry?.Layers)) paths.push(...entry.Layers.filter((l): l is string => typeof l === 'string'));
  }
  return paths;
}

/** Where the links from `name` end (a loop is left for resolveEntry to refuse). */
function followLinks(survey: ArchiveSurvey, name: string): string {
  let current = name;
  for (let hops = 0; hops < MAX_LINK_HOPS; hops++) {
    const next = survey.links.get(current);
    if (next === undefined) return current;
    current = next;
  }
  return current;
}
