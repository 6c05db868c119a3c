/** Platforms: parse, normalize, match and choose manifests with containerd semantics, and explain the choice. */
export { ATTESTATION_REFERENCE_TYPE, attestationSubject, isAttestation } from './attestation.js';
export { type CandidateExplanation, type Explanation, explainPlatforms, formatExplanation } from './explain.js';
export { PLATFORM_ENV, armVariantFromCpuinfo, armVariantFromMachine, hostPlatform, nativePlatform, platformFromNode } from './host.js';
export {
  type MatchComparer,
  type Matcher,
  type RankedMatchComparer,
  all,
  any,
  defaultMatcher,
  exactMatcher,
  only,
  onlyOs,
  onlyStrict,
  ordered,
  platformVector,
  requestedMatcher,
} from './match.js';
export { type ArchAndVariant, isKnownArch, isKnownOs, normalizeArch, normalizeOs, normalizePlatform } from './normalize.js';
export { type ParseDefaults, formatPlatform, parsePlatform, parsePlatforms } from './parse.js';
export { bestMatch, matchingDescriptors, rankDescriptors } from './select.js';
export {
  LTSC2019,
  LTSC2022,
  LTSC2025,
  type WindowsVersion,
  compareOsVersions,
  parseWindowsVersion,
  windowsHostRunsContainer,
  windowsVersionMatches,
} from './windows.js';
