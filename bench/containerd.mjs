/**
 * A private containerd (needs root) with its root, state and socket in a fresh temp dir and the CRI plugin off,
 * so every repetition starts from an empty content store (containerd skips blobs it already has).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export async function startContainerd(parent) {
  const dir = mkdtempSync(join(parent, 'containerd-'));
  const socket = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    ['version = 2', `root = "${join(dir, 'root')}"`, `state = "${join(dir, 'state')}"`, 'disabled_plugins = ["io.containerd.grpc.v1.cri"]', '[grpc]', `  address = "${socket}"`].join('\n'),
  );
  const daemon = spawn('containerd', ['--config', config], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(socket)) {
    daemon.kill('SIGKILL');
    throw new Error('containerd did not start within 10 s');
  }
  return {
    /** Arguments for `ctr` against this daemon. */
    ctrArgs: (args) => ['--address', socket, '--namespace', 'bench', ...args],
    stop: async () => {
      daemon.kill('SIGTERM');
      await new Promise((r) => (daemon.exitCode === null ? daemon.once('exit', r) : r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function containerdAvailable() {
  return process.getuid?.() === 0 && ['/usr/bin/containerd', '/usr/bin/ctr'].every(existsSync);
}
