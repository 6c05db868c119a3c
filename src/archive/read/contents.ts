import type { Descriptor } from '../../oci/descriptor.js';
import type { DockerSaveEntry } from '../../oci/schemas.js';

/** What kind of archive was read; detected from its content, never asked of the user. */
export type ArchiveFormat =
  /** An OCI image layout (ferry export, skopeo oci-archive, umoci, buildx). */
  | 'oci-layout'
  /** An OCI image layout with a docker-save manifest.json (ctr export, nerdctl save). */
  | 'containerd-export'
  /** Docker 25+ `docker save`: OCI layout, manifest.json and repositories. */
  | 'docker-hybrid'
  /** `docker save` up to Docker 24, skopeo docker-archive, podman: manifest.json only. */
  | 'docker-legacy';

/** One image the archive names: an index.json entry, or a manifest.json entry of a docker-save archive. */
export interface ArchiveImage {
  /** The top descriptor (index or manifest) with its annotations as written. */
  target: Descriptor;
  /** `io.containerd.image.name`, when the archive gave one. */
  containerdName?: string;
  /** `org.opencontainers.image.ref.name` as written: a full name, or only a tag. */
  refName?: string;
  /** manifest.json's RepoTags for this image, as written (familiar names like `alpine:3`). */
  repoTags: string[];
}

export interface ArchiveContents {
  format: ArchiveFormat;
  /** The archive's index.json as a blob (it is in the sink), for keeping the whole index under a name. */
  index?: { desc: Descriptor; bytes: Buffer };
  images: ArchiveImage[];
  /** digest → size of every blob now in the sink, including manifests synthesized for docker-save entries. */
  blobs: Map<string, number>;
  /** The parsed manifest.json, when the archive had one. */
  dockerManifest?: DockerSaveEntry[];
}
