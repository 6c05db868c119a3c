import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnDaemon } from './daemon-process.js';
import type { ToolNeed } from './requirements.js';
import { run } from './tools.js';
import { waitFor } from './wait.js';

/** The Debian 20.10 client: `/usr/local/bin/docker` on these machines is an unrelated newer client. */
const DOCKER_CLIENT = '/usr/bin/docker';

export const DOCKER_NEED: ToolNeed = { debianPackage: 'docker.io', tools: ['dockerd', DOCKER_CLIENT], root: true };

/** A docker engine for a test: one this run started on a private socket, or the one FERRY_TEST_DOCKER_HOST names. */
export interface DockerEngine {
  /** unix://… address of the engine. */
  host: string;
  /** Runs the docker 20.10 client against this engine and returns its stdout; a failure throws with stderr. */
  docker(args: string[], input?: Buffer): string;
  /** Stops the engine by pid and removes its directories; a no-op for an engine named by the environment. */
  stop(): Promise<void>;
}

function client(host: string, configDir: string): DockerEngine['docker'] {
  // A private client config dir: no credentials or contexts from the machine's ~/.docker leak into tests.
  return (args, input) => run(DOCKER_CLIENT, ['--config', configDir, '-H', host, ...args], input ? { input } : {});
}

/**
 * Starts dockerd (which starts its own containerd under the exec root) with every path under a temp dir,
 * no networking changes and the vfs driver, so several engines can run on one machine beside the system's.
 * When FERRY_TEST_DOCKER_HOST is set (.ci/run starts one engine for the whole run) that engine is used.
 */
export async function startDockerd(): Promise<DockerEngine> {
  const shared = process.env.FERRY_TEST_DOCKER_HOST;
  const configDir = mkdtempSync(join(tmpdir(), 'ferry-docker-client-'));
  if (shared) {
    return {
      host: shared,
      docker: client(shared, configDir),
      stop: async () => rmSync(configDir, { recursive: true, force: true }),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'ferry-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const host = `unix://${socket}`;
  mkdirSync(join(dir, 'exec'));
  const daemon = spawnDaemon(
    'dockerd',
    [
      '--data-root', join(dir, 'data'),
      '--exec-root', join(dir, 'exec'),
      '--pidfile', join(dir, 'docker.pid'),
      '-H', host,
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--storage-driver=vfs',
    ],
    join(dir, 'dockerd.log'),
  );
  const docker = client(host, configDir);
  const cleanup = async (): Promise<void> => {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(configDir, { recursive: true, force: true });
  };
  const answers = (): boolean => {
    if (!existsSync(socket)) return false;
    try {
      docker(['version', '--format', '{{.Server.Version}}']);
      return true;
    } catch {
      return false;
    }
  };
  if (!(await waitFor(answers, 60_000))) {
    const tail = daemon.logTail();
    await cleanup();
    throw new Error(`dockerd did not answer on ${socket} within 60 s:\n${tail}`);
  }
  return { host, docker, stop: cleanup };
}
