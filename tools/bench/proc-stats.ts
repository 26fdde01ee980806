import { readFileSync } from 'node:fs';

/**
 * What the benchmarks read of a process from /proc (they run beside the processes they measure).
 * Clock ticks are 10 ms on Linux (USER_HZ = 100).
 */

/** utime and stime of a process, in ms. */
export function cpuTimesMs(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/** CPU seconds (user + system) the process has used so far; 0 without a pid. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  const { user, system } = cpuTimesMs(pid);
  return (user + system) / 1000;
}

function statusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : null;
}

/** Current resident memory (VmRSS), in MB; 0 without a pid. */
export function rssMb(pid: number | undefined): number {
  return pid ? (statusMb(pid, 'VmRSS') ?? 0) : 0;
}

/** Peak resident memory (VmHWM), in MB; null without a pid or once the process is gone. */
export function peakRssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    return statusMb(pid, 'VmHWM');
  } catch {
    return null;
  }
}
