/** Media types ferry reads and writes. Names follow the specs' own words. */
export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  ociLayoutHeader: 'application/vnd.oci.layout.header.v1+json',

  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  /** containerd-only; Docker itself never wrote it. */
  dockerLayerZstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',

  inToto: 'application/vnd.in-toto+json',
} as const;

export type KnownMediaType = (typeof MediaType)[keyof typeof MediaType];

/** The empty JSON descriptor of OCI 1.1 (`{}`), used as config of artifacts. */
export const EMPTY_JSON = {
  mediaType: MediaType.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
  data: 'e30=',
} as const;

export function isIndex(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociIndex || mediaType === MediaType.dockerManifestList;
}

export function isManifest(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociManifest || mediaType === MediaType.dockerManifest;
}

export function isSchema1(mediaType: string | undefined): boolean {
  return mediaType === MediaType.dockerSchema1 || mediaType === MediaType.dockerSchema1Signed;
}

export function isImageConfig(mediaType: string | undefined): boolean {
  return mediaType === MediaType.ociConfig || mediaType === MediaType.dockerConfig;
}

export type LayerCompression = 'none' | 'gzip' | 'zstd';

const LAYER_COMPRESSION: Record<string, LayerCompression> = {
  [MediaType.ociLayer]: 'none',
  [MediaType.ociLayerGzip]: 'gzip',
  [MediaType.ociLayerZstd]: 'zstd',
  [MediaType.ociLayerNondistributable]: 'none',
  [MediaType.ociLayerNondistributableGzip]: 'gzip',
  [MediaType.ociLayerNondistributableZstd]: 'zstd',
  [MediaType.dockerLayer]: 'none',
  [MediaType.dockerLayerGzip]: 'gzip',
  [MediaType.dockerLayerZstd]: 'zstd',
  [MediaType.dockerForeignLayer]: 'none',
  [MediaType.dockerForeignLayerGzip]: 'gzip',
};

/** Compression of an image layer media type, or undefined when the type is not a known image layer. */
export function layerCompression(mediaType: string): LayerCompression | undefined {
  return LAYER_COMPRESSION[mediaType];
}

export function isImageLayer(mediaType: string): boolean {
  return mediaType in LAYER_COMPRESSION;
}

/** Foreign (Docker) and non-distributable (OCI) layers: registries and archives may legitimately lack them. */
export function isNonDistributable(mediaType: string): boolean {
  return mediaType.includes('.foreign.') || mediaType.includes('.nondistributable.');
}

/** The layer media type for a compression, in the family (docker or OCI) of its manifest. */
export function layerMediaType(family: 'oci' | 'docker', compression: LayerCompression): string {
  if (family === 'oci') {
    return { none: MediaType.ociLayer, gzip: MediaType.ociLayerGzip, zstd: MediaType.ociLayerZstd }[compression];
  }
  return { none: MediaType.dockerLayer, gzip: MediaType.dockerLayerGzip, zstd: MediaType.dockerLayerZstd }[compression];
}
