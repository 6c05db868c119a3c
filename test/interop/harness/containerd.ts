import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './tools.js';

/**
 * A private containerd (Debian package `containerd`, needs root) on a socket in a temp dir, with the CRI
 * plugin off; each test gets its own namespace. Stopped and removed by `stop()`.
 */
export interface Containerd {
  ctr(args: string[], input?: Buffer): string;
  stop(): Promise<void>;
}

export async function startContainerd(): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-containerd-'));
  const socket = join(dir, 'containerd.sock');
  writeFileSync(
    join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${socket}"`,
    ].join('\n'),
  );
  const daemon: ChildProcess = spawn('containerd', ['--config', join(dir, 'config.toml')], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(socket)) {
    daemon.kill('SIGKILL');
    throw new Error('containerd did not start within 10 s');
  }
  return {
    ctr: (args, input) => run('ctr', ['--address', socket, '--namespace', 'ferry-test', ...args], input ? { input } : {}),
    stop: async () => {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
