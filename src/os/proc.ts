import { readdirSync, readFileSync } from 'node:fs';

/** What /proc/<pid>/stat says about a process (Linux). */
export interface ProcStat {
  state: string;
  pgrp: number;
  /** Clock ticks after boot: with the pid, it names one process for the lifetime of the host. */
  startTime: number;
  /** User + system CPU time in clock ticks. */
  cpuTicks: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | null {
  const end = text.lastIndexOf(')');
  if (end < 0) return null;
  const fields = text.slice(end + 2).split(' ');
  // fields[0] is field 3 of proc(5) (state); field n is fields[n - 3].
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const startTime = Number(fields[19]);
  if (state === undefined || !Number.isFinite(startTime)) return null;
  return { state, pgrp, startTime, cpuTicks: utime + stime };
}

export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** Alive means present and not a zombie (a zombie has exited and only waits to be reaped). */
export function isRunning(stat: ProcStat | null): stat is ProcStat {
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

let bootId: string | undefined;

/** Changes at every boot, so a pid file from before a reboot never matches a new process. */
export function currentBootId(): string {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = '';
    }
  }
  return bootId;
}

/** The pids whose parent is `pid` (the kernel's list of a task's children); none when it is gone. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Whether any process of group `pgid` is still running (zombies, which have exited, do not count). */
export function groupRunning(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    const stat = readProcStat(Number(entry));
    return isRunning(stat) && stat.pgrp === pgid;
  });
}
