import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon } from './daemon-process.js';
import type { ToolNeed } from './requirements.js';
import { run } from './tools.js';
import { waitFor } from './wait.js';

export const CONTAINERD_NEED: ToolNeed = { debianPackage: 'containerd', tools: ['containerd', 'ctr'], root: true };

/**
 * A containerd for a test: a private one (Debian package `containerd`, needs root) on a socket in a temp dir
 * with the CRI plugin off, or the one FERRY_TEST_CONTAINERD_ADDRESS names (.ci/run starts one per run). Each
 * instance gets its own namespace, so suites sharing a daemon do not see each other's images.
 */
export interface Containerd {
  address: string;
  namespace: string;
  ctr(args: string[], input?: Buffer): string;
  stop(): Promise<void>;
}

let instances = 0;

function namespaceFor(): string {
  instances += 1;
  return `ferry-test-${process.pid}-${instances}`;
}

export async function startContainerd(): Promise<Containerd> {
  const namespace = namespaceFor();
  const ctrOn = (address: string): Containerd['ctr'] => (args, input) =>
    run('ctr', ['--address', address, '--namespace', namespace, ...args], input ? { input } : {});
  const shared = process.env.FERRY_TEST_CONTAINERD_ADDRESS;
  if (shared) return { address: shared, namespace, ctr: ctrOn(shared), stop: async () => undefined };

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
      // The ttrpc and debug sockets default to paths under /run shared with the system's containerd.
      '[ttrpc]',
      `  address = "${join(dir, 'containerd.sock.ttrpc')}"`,
      '[debug]',
      `  address = "${join(dir, 'debug.sock')}"`,
    ].join('\n'),
  );
  const daemon = spawnDaemon('containerd', ['--config', join(dir, 'config.toml')], join(dir, 'containerd.log'));
  const stop = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  if (!(await waitFor(() => existsSync(socket), 30_000))) {
    const tail = daemon.logTail();
    await stop();
    throw new Error(`containerd did not start on ${socket} within 30 s:\n${tail}`);
  }
  return { address: socket, namespace, ctr: ctrOn(socket), stop };
}
