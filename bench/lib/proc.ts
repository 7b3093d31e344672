import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Clock ticks per second of /proc/<pid>/stat times (CLK_TCK, almost always 100). */
export const CLOCK_TICKS = (() => {
  try {
    const value = Number.parseInt(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim(), 10);
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/** What /proc says about a process at one moment. */
export interface Snapshot {
  /** performance.now() in the runner, ms. */
  at: number;
  /** utime + stime, in microseconds of CPU. */
  cpuUs: number;
  /** Resident set size now, KiB. */
  rssKiB: number;
  /** Peak resident set size so far (VmHWM), KiB. */
  hwmKiB: number;
}

export function snapshot(pid: number): Snapshot {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { at: performance.now(), cpuUs: (ticks * 1e6) / CLOCK_TICKS, rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

/** Pinning: cores for the server (and PostgreSQL) and for the load generator, or none when taskset is missing. */
export interface Pinning {
  serverCore: number | undefined;
  loadCore: number | undefined;
  pgCore: number | undefined;
}

export function tasksetAvailable(): boolean {
  return spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
}

/**
 * Spawns `command args` on `core` (taskset), after raising the open-files limit as far as the
 * hard limit allows. Both execs keep the process id, so `child.pid` is the program's own.
 */
export function spawnPinned(core: number | undefined, command: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const pinned = core === undefined ? [command, ...args] : ['taskset', '-c', String(core), command, ...args];
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null || ulimit -n 65536 2>/dev/null || true; exec "$@"';
  return spawn('sh', ['-c', script, 'sh', ...pinned], { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Calls `onLine` for every line of a child's stdout and stderr; keeps the last lines for error messages. */
export function readLines(child: ChildProcess, onLine: (line: string, stream: 'stdout' | 'stderr') => void): string[] {
  const tail: string[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    let pending = '';
    child[stream]?.setEncoding('utf8');
    child[stream]?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 60) tail.shift();
        onLine(line, stream);
      }
    });
  }
  return tail;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** Several processes counted as one: CPU and memory summed (peak RSS is the sum of each one's peak). */
export function snapshotAll(pids: number[]): Snapshot {
  const snapshots = pids.map(snapshot);
  return {
    at: performance.now(),
    cpuUs: snapshots.reduce((sum, { cpuUs }) => sum + cpuUs, 0),
    rssKiB: snapshots.reduce((sum, { rssKiB }) => sum + rssKiB, 0),
    hwmKiB: snapshots.reduce((sum, { hwmKiB }) => sum + hwmKiB, 0),
  };
}

/** A process and its current children. */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Pins a process and all its current children to `core` (children forked later inherit it). */
export function pinTree(pid: number, core: number): void {
  for (const target of processTree(pid)) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(target)], { stdio: 'ignore' });
}

/** Sends `signal` to a process and its current children (SIGSTOP / SIGCONT a whole PostgreSQL). */
export function signalTree(pid: number, signal: NodeJS.Signals): void {
  for (const target of processTree(pid)) {
    try {
      process.kill(target, signal);
    } catch {
      // gone meanwhile
    }
  }
}
