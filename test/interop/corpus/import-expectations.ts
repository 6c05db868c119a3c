import type { ToolImage } from './corpus-archive.js';

/** An import mode of the matrix and the platforms of an image it must keep, given what the tool reported. */
export interface ImportMode {
  name: string;
  args: string[];
  keeps(labels: string[]): string[];
  /** The platform the import must unpack from what it kept (undefined: nothing fits, nothing unpacked). */
  unpacks(kept: string[]): string | undefined;
}

/** The host the matrix pretends to be (FERRY_PLATFORM): containerd's default on amd64 also takes 386. */
export const MATRIX_HOST = 'linux/amd64';
const HOST_TAKES = ['linux/amd64', 'linux/386'];
const hostBest = (kept: string[]) => HOST_TAKES.find((l) => kept.includes(l));

export const IMPORT_MODES: ImportMode[] = [
  { name: 'default', args: [], keeps: (labels) => labels.filter((l) => HOST_TAKES.includes(l)), unpacks: hostBest },
  { name: '--all-platforms', args: ['--all-platforms'], keeps: (labels) => labels, unpacks: hostBest },
  // An alias: aarch64 normalizes to arm64, which matches the arm64/v8 image.
  {
    name: '--platform linux/aarch64',
    args: ['--platform', 'linux/aarch64'],
    keeps: (labels) => labels.filter((l) => l === 'linux/arm64/v8'),
    unpacks: (kept) => kept[0],
  },
];

/**
 * The platforms an import in `mode` keeps of one image, as the tool reported them. An index keeps what the mode
 * selects; a single manifest is imported whatever its platform, as `docker load` and `podman load` do, unless
 * --platform names others. An image that keeps none is listed as not imported; the others import.
 */
export function keptPlatforms(image: ToolImage, mode: ImportMode): string[] {
  const labels = image.platforms.map((p) => p.label);
  return !image.index && mode.name === 'default' ? labels : mode.keeps(labels);
}
