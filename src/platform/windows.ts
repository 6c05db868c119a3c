/**
 * Which Windows container images a Windows host can run, by os.version (containerd/platforms
 * `platform_windows_compat.go`). Process-isolated Windows containers share the host kernel, so the image's build
 * must fit the host's: before Windows Server 2022 exactly, since then within a window of the "stable ABI" LTSC
 * releases.
 */

export interface WindowsVersion {
  major: number;
  minor: number;
  build: number;
}

/** Windows Server 2019 / Windows 10 1809 (RS5). */
export const LTSC2019 = 17763;
/** Windows Server 2022: the first release with a stable container ABI. */
export const LTSC2022 = 20348;
/** Windows Server 2025. */
export const LTSC2025 = 26100;

/** Stable-ABI LTSC releases, ascending. A host runs images from the newest one below its own build up to itself. */
const COMPAT_LTSC_RELEASES: readonly number[] = [LTSC2022, LTSC2025];

function parseUint(s: string, max: number): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= max ? n : undefined;
}

/**
 * The first three fields of an os.version (`10.0.17763.1234` → 10, 0, 17763), or undefined when they are not
 * numbers in range (major/minor 0–255, build 0–65535), which containerd treats as the zero version.
 */
export function parseWindowsVersion(osVersion: string | undefined): WindowsVersion | undefined {
  const fields = (osVersion ?? '').split('.');
  if (fields.length < 3) return undefined;
  const major = parseUint(fields[0] ?? '', 255);
  const minor = parseUint(fields[1] ?? '', 255);
  const build = parseUint(fields[2] ?? '', 65535);
  if (major === undefined || minor === undefined || build === undefined) return undefined;
  if (major === 0 && minor === 0 && build === 0) return undefined;
  return { major, minor, build };
}

/** Whether a host of version `host` can run a container image built for `container`. */
export function windowsHostRunsContainer(host: WindowsVersion, container: WindowsVersion | undefined): boolean {
  if (!container) return false;
  if (host.major !== container.major || host.minor !== container.minor) return false;
  if (host.build < LTSC2022) return host.build === container.build;
  // The oldest image build this host runs is the newest stable-ABI LTSC strictly below the host's build (a host
  // that *is* an LTSC runs the previous LTSC too); a host at exactly LTSC 2022 has none below and starts at itself.
  let oldest = LTSC2022;
  for (let i = COMPAT_LTSC_RELEASES.length - 1; i >= 0; i--) {
    const release = COMPAT_LTSC_RELEASES[i] ?? LTSC2022;
    if (host.build > release) {
      oldest = release;
      break;
    }
  }
  return oldest <= container.build && container.build <= host.build;
}

/**
 * Whether an image with os.version `imageVersion` may run on a host with os.version `hostVersion`. No host version
 * (a platform asked for without one) or no image version (e.g. HPC images) accepts anything, as in containerd.
 */
export function windowsVersionMatches(hostVersion: string | undefined, imageVersion: string | undefined): boolean {
  const host = parseWindowsVersion(hostVersion);
  if (!host || !imageVersion) return true;
  return windowsHostRunsContainer(host, parseWindowsVersion(imageVersion));
}

/** Orders os.version strings numerically field by field (`10.0.20348.2340` > `10.0.17763.5576`); absent is lowest. */
export function compareOsVersions(a: string | undefined, b: string | undefined): number {
  const fa = (a ?? '').split('.').filter((f) => f !== '');
  const fb = (b ?? '').split('.').filter((f) => f !== '');
  for (let i = 0; i < Math.max(fa.length, fb.length); i++) {
    const x = fa[i];
    const y = fb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x) ? Number(x) : NaN;
    const ny = /^\d+$/.test(y) ? Number(y) : NaN;
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) {
      if (nx !== ny) return nx < ny ? -1 : 1;
    } else if (x !== y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}
