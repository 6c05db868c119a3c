import type { Platform } from '../../../src/oci/descriptor.js';

/** A platform of the corpus image: the Debian architecture its busybox comes from, and its OCI platform. */
export interface CorpusPlatform {
  deb: string;
  platform: Platform;
  /** As ferry prints it. */
  label: string;
  /** skopeo's --override-arch / --override-variant for this platform. */
  arch: string;
  variant?: string;
}

export const CORPUS_PLATFORMS: CorpusPlatform[] = [
  { deb: 'amd64', platform: { os: 'linux', architecture: 'amd64' }, label: 'linux/amd64', arch: 'amd64' },
  { deb: 'arm64', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' }, label: 'linux/arm64/v8', arch: 'arm64', variant: 'v8' },
  { deb: 'armhf', platform: { os: 'linux', architecture: 'arm', variant: 'v7' }, label: 'linux/arm/v7', arch: 'arm', variant: 'v7' },
  // Debian's armel targets ARMv5TE (docker's arm32v5).
  { deb: 'armel', platform: { os: 'linux', architecture: 'arm', variant: 'v5' }, label: 'linux/arm/v5', arch: 'arm', variant: 'v5' },
  { deb: 'i386', platform: { os: 'linux', architecture: '386' }, label: 'linux/386', arch: '386' },
  { deb: 'ppc64el', platform: { os: 'linux', architecture: 'ppc64le' }, label: 'linux/ppc64le', arch: 'ppc64le' },
  { deb: 's390x', platform: { os: 'linux', architecture: 's390x' }, label: 'linux/s390x', arch: 's390x' },
];

export function corpusPlatform(label: string): CorpusPlatform {
  const found = CORPUS_PLATFORMS.find((p) => p.label === label);
  if (!found) throw new Error(`no corpus platform ${label}`);
  return found;
}
