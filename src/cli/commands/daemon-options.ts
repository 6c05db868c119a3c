import type { Argv } from 'yargs';
import type { DaemonOptions, DaemonUnpack } from '../../ops/ends/daemon-options.js';

/** Options of the commands that can write to or read from containerd and the docker engine. */
export interface DaemonArgs {
  address?: string;
  snapshotter?: string;
  dockerHost?: string;
  unpack?: boolean;
  unpackPlatform?: string;
  strictPlatform?: boolean;
}

export function daemonOptions<T>(y: Argv<T>, { unpackFlags }: { unpackFlags: boolean }): Argv<T> {
  const withSockets = y
    .option('address', { type: 'string', describe: 'containerd socket for containerd: locations (default /run/containerd/containerd.sock)' })
    .option('snapshotter', { type: 'string', describe: 'containerd snapshotter to unpack into (default overlayfs)' })
    .option('docker-host', { type: 'string', describe: 'docker engine socket for docker-daemon: locations (default $DOCKER_HOST, else unix:///var/run/docker.sock)' });
  if (!unpackFlags) return withSockets as unknown as Argv<T>;
  return withSockets
    .option('unpack-platform', { type: 'string', describe: 'platform to unpack in containerd or load into docker (default: the first --platform, else the host)' })
    .option('strict-platform', { type: 'boolean', describe: 'unpack or load only an exact platform match, not the best compatible one' })
    .option('unpack', { type: 'boolean', default: true, describe: 'unpack into containerd\'s snapshotter (--no-unpack to skip)' }) as unknown as Argv<T>;
}

export function daemonArgs(argv: DaemonArgs): DaemonOptions {
  return {
    ...(argv.address ? { containerdAddress: argv.address } : {}),
    ...(argv.snapshotter ? { snapshotter: argv.snapshotter } : {}),
    ...(argv.dockerHost ? { dockerHost: argv.dockerHost } : {}),
    ...(argv.unpack === false ? { unpack: false } : {}),
    ...(argv.unpackPlatform ? { unpackPlatform: argv.unpackPlatform } : {}),
    ...(argv.strictPlatform ? { strictPlatform: true } : {}),
  };
}

/** One line on what a daemon destination unpacked (containerd) or loaded (docker), or why nothing. */
export function daemonUnpackText(unpack: DaemonUnpack | undefined, loaded: string[] | undefined): string[] {
  if (!unpack) return [];
  if (loaded) return [`  loaded: ${unpack.reason}${loaded.length > 0 ? ` as ${loaded.join(', ')}` : ''}`];
  if (unpack.snapshot) {
    return [`  unpacked: ${unpack.reason} into ${unpack.snapshotter} ${unpack.snapshot} (${unpack.applied} layers applied, ${unpack.reused} reused)`];
  }
  return [`  not unpacked: ${unpack.reason}; available: ${unpack.available.join(', ') || 'none'}; choose one with --unpack-platform`];
}
