import type { Argv, CommandModule } from 'yargs';
import { FerryError } from '../../errors.js';
import { shortDigest } from '../../oci/digest.js';
import { normalizeName } from '../../oci/reference.js';
import type { ImageListing } from '../../ops/list-images.js';
import { emit, note, type GlobalOptions } from '../output.js';
import { escapeText } from '../escape-text.js';
import { humanBytes } from '../human-bytes.js';
import { tableLines } from '../table.js';
import { openStore } from '../store.js';
import { tracked } from '../usage-context.js';

const ls: CommandModule<GlobalOptions, GlobalOptions> = {
  command: ['ls', 'list'],
  describe: 'list images in the store: name, digest, size held and platforms, sorted by name',
  builder: (y) => y.example('$0 images ls -q | xargs $0 export all.tar  # -q: only the names; every image in one archive', ''),
  handler: async (argv) => {
    const { listImages } = await import('../../ops/list-images.js');
    const store = await openStore(argv, { readOnly: true });
    const images = await listImages(store);
    if (argv.quiet && !argv.json) {
      images.forEach((i) => process.stdout.write(`${escapeText(i.name)}\n`));
      return;
    }
    if (images.length === 0 && !argv.json) {
      note(`no images in the store ${store.root}`);
      return;
    }
    emit(argv, images, () => tableLines(['NAME', 'DIGEST', 'SIZE', 'PLATFORMS'], images.flatMap(imageRows)));
  },
};

/** An image, then its referrers indented under it (with the manifest they refer to when it is not the top one). */
function imageRows(i: ImageListing): string[][] {
  const what = i.artifactType ? `artifact ${i.artifactType}` : [...i.platforms, ...i.partialPlatforms.map((p) => `${p} (partial)`)].join(',') || '-';
  // Escaped before padding, so a name with control characters cannot break the columns.
  const rows = [[escapeText(i.name), shortDigest(i.digest), humanBytes(i.storedBytes), escapeText(what)]];
  for (const r of i.referrers) {
    const of = r.subject === i.digest ? '' : ` (of ${shortDigest(r.subject)})`;
    rows.push([`  referrer`, shortDigest(r.digest), '', escapeText(`${r.artifactType ?? r.mediaType}${of}`)]);
  }
  return rows;
}

interface RmArgs extends GlobalOptions {
  names: string[];
}

const rm: CommandModule<GlobalOptions, RmArgs> = {
  command: ['rm <names..>', 'remove'],
  describe: 'remove image names from the store (blobs go at the next gc)',
  builder: (y) => y.positional('names', { type: 'string', array: true, demandOption: true }) as unknown as Argv<RmArgs>,
  handler: async (argv) => {
    const store = await openStore(argv);
    const names = argv.names.map(normalizeName);
    const removed = await store.removeImages(names);
    const absent = names.filter((n) => !removed.includes(n));
    if (absent.length > 0) {
      throw new FerryError('ERR_NOT_FOUND', `no image named ${absent.join(', ')}`, { hint: "see 'ferry images ls'" });
    }
    emit(argv, { removed }, () => removed.map((n) => `removed ${n}`));
  },
};

interface TagArgs extends GlobalOptions {
  source: string;
  target: string;
}

const tag: CommandModule<GlobalOptions, TagArgs> = {
  command: 'tag <source> <target>',
  describe: 'give an image another name',
  builder: (y) => y.positional('source', { type: 'string', demandOption: true }).positional('target', { type: 'string', demandOption: true }) as unknown as Argv<TagArgs>,
  handler: async (argv) => {
    const store = await openStore(argv);
    const source = normalizeName(argv.source);
    const target = normalizeName(argv.target);
    await store.tagImage(source, target);
    emit(argv, { source, target }, () => [`tagged ${source} as ${target}`]);
  },
};

export const imagesCommand: CommandModule<GlobalOptions, GlobalOptions> = {
  command: 'images',
  describe: 'list, remove and tag images in the store',
  builder: (y) => y
      .command(([ls, rm, tag] as CommandModule<GlobalOptions, GlobalOptions>[]).map(tracked))
      .demandCommand(1, 'name a subcommand: ls, rm or tag')
      .example('$0 images ls  # NAME, DIGEST, SIZE, PLATFORMS', '')
      .example('$0 images ls --json  # names, digests, platforms held and referrers', '')
      .example('$0 images tag alpine:3.19 registry.local/alpine:3.19  # another name for the same image', '')
      .example('$0 images rm alpine:3.19  # remove a name; run gc to free blobs', ''),
  handler: () => undefined,
};
