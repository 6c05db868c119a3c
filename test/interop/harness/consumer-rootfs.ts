import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Containerd } from './containerd.js';
import type { ContainersStorage } from './containers-storage.js';
import type { DockerEngine } from './dockerd.js';
import { readTree, withoutPaths, type Tree } from './rootfs-tree.js';
import { run } from './tools.js';

/** What `docker create` adds to every container's filesystem on its own. */
const DOCKER_ADDS = /^(\.dockerenv|dev|dev\/.*|proc|sys|etc\/hostname|etc\/hosts|etc\/resolv\.conf|etc\/mtab)$/;

/** The rootfs of an image as docker has it: `docker create` + `docker export`, extracted as root. */
export async function dockerRootfs(engine: DockerEngine, image: string): Promise<Tree> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-docker-export-'));
  const id = engine.docker(['create', image, '/bin/sh']).trim();
  try {
    engine.docker(['export', '-o', join(dir, 'rootfs.tar'), id]);
    run('mkdir', [join(dir, 'rootfs')]);
    run('tar', ['--numeric-owner', '-xpf', join(dir, 'rootfs.tar'), '-C', join(dir, 'rootfs')]);
    return withoutPaths(await readTree(join(dir, 'rootfs')), (p) => DOCKER_ADDS.test(p));
  } finally {
    engine.docker(['rm', id]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rootfs of an image in podman's storage, read through `podman image mount`. */
export async function podmanRootfs(containers: ContainersStorage, image: string): Promise<Tree> {
  const path = containers.podman(['image', 'mount', image]).trim();
  try {
    return await readTree(path);
  } finally {
    containers.podman(['image', 'unmount', image]);
  }
}

/** The rootfs of a buildah working container (`buildah from`), read through `buildah mount`. */
export async function buildahRootfs(containers: ContainersStorage, container: string): Promise<Tree> {
  const path = containers.buildah(['mount', container]).trim();
  try {
    return await readTree(path);
  } finally {
    containers.buildah(['umount', container]);
  }
}

/**
 * The rootfs of one platform of an image in containerd, read through `ctr images mount` (which unpacks that
 * platform into the default snapshotter first). `--rm` on unmount drops the snapshot, so the next mount of the
 * same image unpacks afresh.
 */
export async function ctrRootfs(containerd: Containerd, image: string, platform: string): Promise<Tree> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-ctr-mount-'));
  try {
    containerd.ctr(['images', 'mount', '--platform', platform, image, dir]);
    try {
      return await readTree(dir);
    } finally {
      containerd.ctr(['images', 'unmount', '--rm', dir]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
