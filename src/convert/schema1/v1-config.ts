/** The fields of a schema1 `v1Compatibility` entry conversion reads; every other field is kept in the config. */
export interface V1Compatibility {
  id?: string;
  parent?: string;
  created?: string;
  author?: string;
  comment?: string;
  architecture?: string;
  os?: string;
  throwaway?: boolean;
  /** Older images say a layer is empty with Size 0 (before `throwaway` existed). */
  Size?: number;
  container_config?: { Cmd?: string[] | null } | null;
  [key: string]: unknown;
}

/** Whether the history says the layer is empty; false means "read it to know". */
export function isThrowaway(v1: V1Compatibility): boolean {
  if (typeof v1.throwaway === 'boolean') return v1.throwaway;
  return v1.Size === 0;
}

/** v1 bookkeeping that an image config does not have. */
const V1_ONLY_FIELDS = new Set(['id', 'parent', 'parent_id', 'layer_id', 'throwaway', 'Size']);

/**
 * The image config: the top v1Compatibility without v1 bookkeeping, with rootfs and history replaced.
 * `v1` and `empty` run from the top layer down (as the manifest lists them), history is written oldest first.
 */
export function configFromV1(v1: V1Compatibility[], emptyOldestFirst: boolean[], diffIDs: string[], architecture?: string): Record<string, unknown> {
  const top = v1[0]!;
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(top)) if (!V1_ONLY_FIELDS.has(key)) config[key] = value;
  config.architecture ??= architecture ?? 'amd64';
  config.os ??= 'linux';
  config.rootfs = { type: 'layers', diff_ids: diffIDs };
  config.history = [...v1].reverse().map((entry, i) => ({
    ...(entry.created ? { created: entry.created } : {}),
    ...(entry.author ? { author: entry.author } : {}),
    ...(entry.container_config?.Cmd ? { created_by: entry.container_config.Cmd.join(' ') } : {}),
    ...(entry.comment ? { comment: entry.comment } : {}),
    ...(emptyOldestFirst[i] ? { empty_layer: true } : {}),
  }));
  return config;
}
