import { z } from 'zod';
import { AnnotationsSchema, DescriptorSchema, DigestSchema, PlatformSchema } from './descriptor.js';

/** OCI image index and Docker manifest list share one shape. */
export const IndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  // Docker 25.0 wrote `"manifests": null` for some saves; read it as an empty list.
  manifests: z.array(DescriptorSchema).nullable().transform((m) => m ?? []),
  subject: DescriptorSchema.optional(),
  annotations: AnnotationsSchema.optional(),
});
export type ImageIndex = z.infer<typeof IndexSchema>;

/** OCI image manifest (incl. artifacts) and Docker schema2 manifest share one shape. */
export const ManifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
  subject: DescriptorSchema.optional(),
  annotations: AnnotationsSchema.optional(),
});
export type ImageManifest = z.infer<typeof ManifestSchema>;

const HistorySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});

/** OCI image config and Docker image config (the fields ferry uses; everything else is kept). */
export const ImageConfigSchema = z.looseObject({
  architecture: z.string().optional(),
  os: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
  variant: z.string().optional(),
  created: z.string().optional(),
  author: z.string().optional(),
  config: z.looseObject({}).nullable().optional(),
  rootfs: z.looseObject({
    type: z.string(),
    diff_ids: z.array(DigestSchema).nullable().transform((d) => d ?? []),
  }),
  history: z.array(HistorySchema).nullable().optional(),
});
export type ImageConfig = z.infer<typeof ImageConfigSchema>;

/** One entry of a docker-save `manifest.json`. */
export const DockerSaveEntrySchema = z.looseObject({
  Config: z.string(),
  // `docker save` of an image by digest writes `RepoTags: null`.
  RepoTags: z.array(z.string()).nullable().optional().transform((t) => t ?? []),
  Layers: z.array(z.string()),
  Parent: z.string().optional(),
  LayerSources: z.record(DigestSchema, DescriptorSchema).nullable().optional(),
});
export const DockerSaveManifestSchema = z.array(DockerSaveEntrySchema);
export type DockerSaveEntry = z.infer<typeof DockerSaveEntrySchema>;

/** The legacy `repositories` file: {"repo": {"tag": "v1id"}}. */
export const DockerRepositoriesSchema = z.record(z.string(), z.record(z.string(), z.string()));

export const OciLayoutSchema = z.looseObject({ imageLayoutVersion: z.string() });

/** Docker image manifest schema 1 (signed or not). */
export const Schema1ManifestSchema = z.looseObject({
  schemaVersion: z.literal(1),
  name: z.string().optional(),
  tag: z.string().optional(),
  architecture: z.string().optional(),
  fsLayers: z.array(z.looseObject({ blobSum: DigestSchema })),
  history: z.array(z.looseObject({ v1Compatibility: z.string() })),
  signatures: z.array(z.looseObject({})).optional(),
});
export type Schema1Manifest = z.infer<typeof Schema1ManifestSchema>;

export { DescriptorSchema, PlatformSchema };
