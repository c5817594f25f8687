// What the server benchmarks share: a server child pinned to core 0 that prints its port, its
// CPU time from /proc, a load generator run to completion, the anonymous resident memory of a
// process, and medians. bench/server.ts (HTTP/1.1) and bench/h2server.ts (HTTP/2) use them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Linux USER_HZ: the unit of utime/stime in /proc/PID/stat. */
export const CLK_TCK = 100;

export interface Running {
  child: ChildProcess;
  port: number;
  pid: number;
}

/**
 * Start `node <args>` pinned to core 0 (`taskset -c 0`) with an IPC channel; resolves once it
 * prints its port on the first line of stdout.
 */
export function startPinned(nodeArgs: string[], label: string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', process.execPath, ...nodeArgs], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), pid: child.pid! });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`${label} server exited (${code})`)));
  });
}

export function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    r.child.removeAllListeners('exit');
    r.child.once('exit', () => resolve());
    r.child.kill('SIGKILL');
  });
}

/** utime + stime of a process, in clock ticks. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
}

/** Run a command to its end; resolves with stdout and stderr together. */
export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', () => resolve(out));
  });
}

/** This process's anonymous resident memory (RssAnon), in bytes: RSS less mapped file pages. */
export function rssAnon(): number {
  return Number(/^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'))![1]) * 1024;
}

export function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const mid = a.length >> 1;
  return a.length % 2 === 1 ? a[mid]! : (a[mid - 1]! + a[mid]!) / 2;
}
