import type { Writable } from 'node:stream';
import { readArchive, StagedArchive, type ArchiveImage } from '../archive/read/index.js';
import { ArchiveWriter, compareStrings, type DockerSaveImage, type ExportImage } from '../archive/write/index.js';
import { FerryError } from '../errors.js';
import { transferImage } from '../graph/copy.js';
import { incompletePlatform, isComplete, resolveImage } from '../graph/resolve.js';
import type { Descriptor, Platform } from '../oci/descriptor.js';
import { MediaType, isIndex } from '../oci/mediatypes.js';
import { isTagOnly, normalizeName, parseReference } from '../oci/reference.js';
import { formatPlatform, hostPlatform } from '../platform/index.js';
import type { Store } from '../store/index.js';
import { mergedIndex, mergeMembers, platformLabel, type DroppedMember, type MergeMember, type MergePreference } from './policy/merge-plan.js';
import { openInput, readOptionsOf } from './ends/open-input.js';
import { pickImages } from './policy/pick-image.js';
import { selectPlatforms } from './policy/platform-filter.js';
import { OverlaySource } from '../graph/overlay-source.js';
import { resolveUnpackTarget } from './policy/unpack-target.js';

export interface MergeOptions {
  prefer?: MergePreference;
  /** `--name`: the one name of the result; every image of every input is merged into it. */
  name?: string;
  skipManifestJson?: boolean;
  host?: Platform;
  onProgress?: (written: number, desc: Descriptor) => void;
}

export interface MergedImage {
  name: string;
  digest: string;
  mediaType: string;
  platforms: string[];
  /** Set when the result is an input's index unchanged (one input image, nothing to merge). */
  unchanged?: boolean;
  dropped: DroppedMember[];
  /** Attestations left out because the input lacked their content. */
  droppedAttestations: number;
  dockerPlatform?: string;
}

export interface MergeResult {
  images: MergedImage[];
  blobs: number;
  bytes: number;
}

interface Group {
  name: string;
  members: MergeMember[];
  /** Input image tops, for the unchanged case and the result's media type. */
  tops: Descriptor[];
}

/**
 * Merges archives built per platform (in separate CI jobs) into one multi-platform archive: each input is read
 * once into `scratch` (a throw-away store: no blob is held in memory), images of the same name become one index,
 * and the result is written with the archive writer, so it is an OCI layout with a docker-save manifest.json.
 */
export async function mergeArchives(inputs: string[], out: Writable, scratch: Store, opts: MergeOptions = {}): Promise<MergeResult> {
  const groups = new Map<string, Group>();
  const droppedAttestations = new Map<string, number>();
  for (const path of inputs) {
    const input = await openInput(path);
    const contents = pickImages(await readArchive(input.stream, scratch, readOptionsOf(input)), input);
    // Completeness is judged on what this input carried, not on the scratch store, which holds every earlier input too.
    const archive = new StagedArchive(contents, scratch, input.where);
    for (const found of contents.images) {
      const name = imageName(found, input.where, opts.name);
      const group = groups.get(name) ?? { name, members: [], tops: [] };
      groups.set(name, group);
      group.tops.push(found.target);
      const { members, dropped } = await membersOf(archive, found, input.where);
      group.members.push(...members);
      droppedAttestations.set(name, (droppedAttestations.get(name) ?? 0) + dropped);
    }
  }
  if (groups.size === 0) throw new FerryError('ERR_UNSUPPORTED_ARCHIVE', `${inputs.join(', ')} hold no image`, { hint: 'merge image archives' });

  // The scratch store is the writer's holding area too: the inputs' blobs are already there, so the engine copies
  // only the merged indexes (from the overlay) and checks the rest; the tar is written once, at commit.
  const source = new OverlaySource(scratch);
  const writer = new ArchiveWriter(scratch);
  const plan = { images: [] as ExportImage[], blobs: [] as Descriptor[], dockerManifest: [] as DockerSaveImage[] };
  const images: MergedImage[] = [];
  // Groups by name, so the result (and its JSON) does not depend on the order of the inputs.
  for (const group of [...groups.values()].sort((a, b) => compareStrings(a.name, b.name))) {
    const { kept, dropped } = mergeMembers(group.name, group.members, opts.prefer);
    const single = group.tops.length === 1 && isIndex(group.tops[0]!.mediaType) && dropped.length === 0 && !droppedAttestations.get(group.name);
    const top = single ? stripAnnotations(group.tops[0]!) : addIndex(source, kept, group.tops);
    const moved = await transferImage(source, writer, top, { selection: selectPlatforms({ allPlatforms: true }), completeIndex: true });
    plan.images.push({ name: group.name, target: moved.target });
    plan.blobs.push(...moved.blobs);
    const docker = opts.skipManifestJson ? undefined : dockerEntry(group.name, kept, opts.host ?? hostPlatform());
    if (docker) plan.dockerManifest.push(docker.image);
    images.push({
      name: group.name,
      digest: moved.target.digest,
      mediaType: moved.target.mediaType,
      platforms: kept.map(platformLabel),
      ...(single && moved.target.digest === top.digest ? { unchanged: true } : {}),
      dropped,
      droppedAttestations: droppedAttestations.get(group.name) ?? 0,
      ...(docker ? { dockerPlatform: docker.platform } : {}),
    });
  }
  const written = await writer.commit(out, plan, opts.onProgress ? { onProgress: opts.onProgress } : {});
  return { images, blobs: written.blobs, bytes: written.bytes };
}

/** The name an input image merges under: --name, else the name the archive gives it (as `ferry import` reads it). */
function imageName(found: ArchiveImage, where: string, name?: string): string {
  const given = name ?? found.containerdName ?? (found.refName && !isTagOnly(found.refName) ? found.refName : undefined) ?? found.repoTags[0];
  if (given === undefined) {
    const what = found.refName ? `only the tag ${JSON.stringify(found.refName)}` : 'no name';
    throw new FerryError('ERR_USAGE', `${where}: image ${found.target.digest} has ${what}, so it cannot be matched with images of other inputs`, {
      path: where,
      hint: 'name the result with --name REPO:TAG',
    });
  }
  return normalizeName(given);
}

/**
 * The platform images of one input image. Each must be complete: a merge that silently left a platform out would
 * defeat its purpose. Attestations whose content the input lacks (common after docker save) are left out.
 */
async function membersOf(archive: StagedArchive, found: ArchiveImage, where: string): Promise<{ members: MergeMember[]; dropped: number }> {
  const resolved = await resolveImage(archive, found.target, { all: true });
  const members: MergeMember[] = [];
  let dropped = 0;
  for (const image of resolved.selected) {
    if (!isComplete(image)) {
      const platform = image.platform ? formatPlatform(image.platform) : `manifest ${image.manifest.digest}`;
      throw incompletePlatform(where, platform, resolved, image.missing, 'export that input again with every blob (without --allow-partial or --exclude-blobs-from)');
    }
    const attachments = image.attachments.filter(isComplete);
    dropped += image.attachments.length - attachments.length;
    const top = image.manifest.digest === found.target.digest;
    const desc = top ? stripAnnotations(image.manifest) : image.manifest;
    members.push({ desc: image.platform ? { ...desc, platform: image.platform } : desc, image: { ...image, attachments }, input: where });
  }
  return { members, dropped };
}

/** An index.json entry's annotations name the image in its archive; they are not part of the content. */
function stripAnnotations(desc: Descriptor): Descriptor {
  const { annotations: _names, ...rest } = desc;
  return rest;
}

function addIndex(source: OverlaySource, kept: MergeMember[], tops: Descriptor[]): Descriptor {
  const index = mergedIndex(kept, tops.every((t) => t.mediaType === MediaType.dockerManifestList));
  return source.add(index.mediaType, index.bytes);
}

/** The manifest.json entry `docker load` gets: the host's best match, else the first platform. */
function dockerEntry(name: string, kept: MergeMember[], host: Platform): { image: DockerSaveImage; platform: string } | undefined {
  const candidates = kept.map((m) => m.image);
  const chosen = resolveUnpackTarget(candidates, { host }).image ?? candidates[0];
  if (!chosen?.config || chosen.external.length > 0) return undefined;
  // Full names, as export writes them (see docker-save-entry.ts).
  const tag = parseReference(name).tag ? [normalizeName(name)] : [];
  return { image: { config: chosen.config, layers: chosen.layers, repoTags: tag }, platform: chosen.platform ? formatPlatform(chosen.platform) : 'unknown' };
}
