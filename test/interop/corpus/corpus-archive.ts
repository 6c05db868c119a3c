/** What a producing tool reports about one image of an archive it wrote; the matrix checks ferry against it. */
export interface ToolImage {
  /** The full names ferry must give the image ([] when the tool wrote none, e.g. docker save by image ID). */
  names: string[];
  /** The top digest (index or manifest) the tool reports; absent for docker-save archives, which have none. */
  digest?: string;
  /** True when the image is an index (a list of platforms); false or absent for a single manifest. */
  index?: boolean;
  /** Per platform, as ferry prints it, the config digest the tool reports (docker/podman image ID). */
  platforms: { label: string; config: string }[];
}

/** One archive of the corpus: who wrote it, how, and what the tool says is in it. */
export interface CorpusArchive {
  id: string;
  /** Tool and version, e.g. `skopeo 1.9.3`. */
  tool: string;
  /** The commands that wrote it (for failure reports and the README). */
  recipe: string[];
  file: string;
  images: ToolImage[];
}
