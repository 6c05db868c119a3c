import { isTagOnly, normalizeName } from '../../oci/reference.js';

export interface NamingOptions {
  /** `--base-name`: repository for tag-only names (`3.19` → `<base>:3.19`) and for digest names. */
  baseName?: string;
  /** `--digests`: also name every image `<base>@<digest>`. */
  digests?: boolean;
  /** Today, for the default base name `import-YYYY-MM-DD` (containerd's). */
  now?: Date;
}

export interface NameSources {
  digest: string;
  containerdName?: string;
  refName?: string;
  repoTags: string[];
}

/** The default base name, as ctr: `import-YYYY-MM-DD`. */
export function defaultBaseName(now = new Date()): string {
  return `import-${now.toISOString().slice(0, 10)}`;
}

/**
 * Names an imported image the way ctr does, normalized like docker: `io.containerd.image.name` wins; a full
 * `org.opencontainers.image.ref.name` is used as is; a tag-only one gets the base name; docker-save RepoTags are
 * added. An image with no name at all is still named (`<base>@<digest>`) so it can never be lost to gc.
 */
export function importNames(src: NameSources, opts: NamingOptions): string[] {
  const base = opts.baseName ?? defaultBaseName(opts.now);
  const names: string[] = [];
  if (src.containerdName) names.push(normalizeName(src.containerdName));
  else if (src.refName) names.push(normalizeName(isTagOnly(src.refName) ? `${base}:${src.refName}` : src.refName));
  for (const tag of src.repoTags) names.push(normalizeName(tag));
  if (opts.digests || names.length === 0) names.push(normalizeName(`${base}@${src.digest}`));
  return [...new Set(names)];
}
