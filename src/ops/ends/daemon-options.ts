import type { UnpackChoice } from '../policy/unpack-target.js';

/** How ferry reaches the daemons and what it asks of them when one is the destination. */
export interface DaemonOptions {
  /** containerd's gRPC socket (`--address`; default /run/containerd/containerd.sock). */
  containerdAddress?: string;
  /** The snapshotter containerd unpacks into (`--snapshotter`; default overlayfs, as ctr and the CRI use). */
  snapshotter?: string;
  /** The docker engine's socket (`--docker-host`, else DOCKER_HOST; default /var/run/docker.sock). */
  dockerHost?: string;
  /** false with `--no-unpack`: containerd gets the content and the image record, no snapshot. */
  unpack?: boolean;
  /** `--unpack-platform`: which platform to unpack in containerd, or to load into docker. */
  unpackPlatform?: string;
  strictPlatform?: boolean;
}

/** What was unpacked at a daemon, and why that platform (or why none). */
export interface DaemonUnpack extends Omit<UnpackChoice, 'image'> {
  /** The manifest unpacked or loaded. */
  manifest?: string;
  snapshotter?: string;
  /** The committed snapshot (the top layer's chainID). */
  snapshot?: string;
  /** Layers applied, and layers whose snapshot was already there. */
  applied?: number;
  reused?: number;
}
