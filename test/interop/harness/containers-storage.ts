import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolNeed } from './requirements.js';
import { run } from './tools.js';

export const PODMAN_NEED: ToolNeed = { debianPackage: 'podman', tools: ['podman'], root: true };
export const BUILDAH_NEED: ToolNeed = { debianPackage: 'buildah', tools: ['buildah'], root: true };

/**
 * A private containers/storage (vfs) that podman and buildah share, rooted in a temp dir so tests never touch
 * the machine's /var/lib/containers and several can run at once. Neither tool needs a daemon.
 */
export interface ContainersStorage {
  dir: string;
  /** Runs podman on this storage and returns its stdout; a failure throws with stderr. */
  podman(args: string[], input?: Buffer): string;
  /** Runs buildah on this storage and returns its stdout; a failure throws with stderr. */
  buildah(args: string[], input?: Buffer): string;
  /** Removes the storage (unmounting what podman or buildah mounted first). */
  remove(): void;
}

export function openContainersStorage(): ContainersStorage {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-containers-'));
  const storage = ['--storage-driver', 'vfs', '--root', join(dir, 'root'), '--runroot', join(dir, 'runroot')];
  const podmanArgs = [
    ...storage,
    '--tmpdir', join(dir, 'libpod-tmp'),
    // No systemd and no journald here: cgroupfs and a file for events.
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
  ];
  const podman: ContainersStorage['podman'] = (args, input) => run('podman', [...podmanArgs, ...args], input ? { input } : {});
  const buildah: ContainersStorage['buildah'] = (args, input) => run('buildah', [...storage, ...args], input ? { input } : {});
  return {
    dir,
    podman,
    buildah,
    remove: () => {
      for (const unmount of [() => podman(['umount', '--all']), () => buildah(['rm', '--all'])]) {
        try {
          unmount();
        } catch {
          // Nothing mounted, or the tool is absent: the directory is removed either way.
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
