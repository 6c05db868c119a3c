/**
 * Timed runs of one command: wall time from spawn to exit, and peak RSS and CPU time from GNU time (`/usr/bin/time -f '%M %U %S'`,
 * Debian package `time`) when it is installed — else from polling /proc/<pid>/status VmHWM of the direct child.
 * `sync` runs before every measurement so one run's dirty pages are not flushed on the next run's clock.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';
export const rssSource = existsSync(GNU_TIME) ? 'GNU time %M' : '/proc VmHWM polling';

/** Runs `cmd args` once, failing loudly on a non-zero exit. Returns { seconds, rssMB }. */
export async function timed(cmd, args, opts = {}) {
  execFileSync('sync');
  const rssFile = join(tmpdir(), `ferry-bench-rss-${process.pid}`);
  const [file, argv] = existsSync(GNU_TIME) ? [GNU_TIME, ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const started = performance.now();
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let polledKB = 0;
  const poll = existsSync(GNU_TIME)
    ? undefined
    : setInterval(() => {
        try {
          const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (match) polledKB = Math.max(polledKB, Number(match[1]));
        } catch {
          // The process has exited between polls.
        }
      }, 20);
  const code = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const seconds = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`);
  let rssKB = polledKB;
  let cpuSeconds;
  if (existsSync(GNU_TIME)) {
    const [kb, user, system] = readFileSync(rssFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    rssKB = kb;
    cpuSeconds = user + system;
    rmSync(rssFile, { force: true });
  }
  return { seconds, rssMB: rssKB / 1024, cpuSeconds };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Collects repeated runs per named tool and summarizes them. */
export class Samples {
  runs = new Map();

  add(name, sample) {
    if (!this.runs.has(name)) this.runs.set(name, []);
    this.runs.get(name).push(sample);
  }

  summary(name) {
    const runs = this.runs.get(name);
    if (!runs) return undefined;
    return {
      seconds: median(runs.map((r) => r.seconds)),
      rssMB: Math.max(...runs.map((r) => r.rssMB)),
      // User + system CPU seconds (GNU time): on a shared machine, a steadier measure of the work than wall time.
      cpuSeconds: runs.every((r) => r.cpuSeconds !== undefined) ? median(runs.map((r) => r.cpuSeconds)) : undefined,
      runs: runs.map((r) => Number(r.seconds.toFixed(3))),
    };
  }
}

/** Load average and CPU count: warm-cache runs on a shared machine are only comparable side by side. */
export function machine() {
  const [one, five] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  let vitest = 0;
  try {
    vitest = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => /vitest/.test(l)).length;
  } catch {
    // ps missing: leave the count at 0.
  }
  return { load1: one, load5: five, vitestProcesses: vitest };
}
