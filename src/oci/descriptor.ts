import { z } from 'zod';
import { isDigest } from './digest.js';

export const PlatformSchema = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  features: z.array(z.string()).optional(),
});
export type Platform = z.infer<typeof PlatformSchema>;

export const AnnotationsSchema = z.record(z.string(), z.string());

export const DigestSchema = z.string().refine(isDigest, { message: 'not a valid sha256/sha512 digest' });

export const DescriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: DigestSchema,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string()).optional(),
  annotations: AnnotationsSchema.optional(),
  data: z.string().optional(),
  platform: PlatformSchema.optional(),
  artifactType: z.string().optional(),
});
export type Descriptor = z.infer<typeof DescriptorSchema>;

/** Annotation keys ferry reads and writes. */
export const Annotation = {
  refName: 'org.opencontainers.image.ref.name',
  title: 'org.opencontainers.image.title',
  created: 'org.opencontainers.image.created',
  containerdImageName: 'io.containerd.image.name',
  dockerReferenceType: 'vnd.docker.reference.type',
  dockerReferenceDigest: 'vnd.docker.reference.digest',
} as const;

/** A descriptor with only the fields that identify content: for messages, maps and comparisons. */
export function contentKey(desc: Pick<Descriptor, 'digest'>): string {
  return desc.digest;
}
