import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';

/** A daemon this test run started: its process and the log file its output goes to. */
export interface DaemonProcess {
  child: ChildProcess;
  log: string;
  /** The last lines of the daemon's log, for an error message. */
  logTail(): string;
  /** SIGTERM by pid, SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnDaemon(cmd: string, args: string[], log: string): DaemonProcess {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    log,
    logTail: () => {
      try {
        return readFileSync(log, 'utf8').trim().split('\n').slice(-15).join('\n');
      } catch {
        return '(no log)';
      }
    },
    stop: async (graceMs = 15_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
