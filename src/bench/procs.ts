import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readProcStat } from '../os/proc.js';

let ticksPerSecond: number | undefined;

/** sysconf(_SC_CLK_TCK): the unit of utime and stime in /proc/<pid>/stat. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of the process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readProcStat(pid);
  if (!stat) throw new Error(`process ${pid} is gone`);
  return stat.cpuTicks / clockTicksPerSecond();
}

/** VmRSS from /proc/<pid>/status, in MB. */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** Processes whose command line mentions dir (simulators whose game root is in it), with their groups. */
export function processesOf(dir: string): Array<{ pid: number; pgrp: number }> {
  const found: Array<{ pid: number; pgrp: number }> = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!args.some((arg) => arg.startsWith(dir))) continue;
      const stat = readProcStat(pid);
      if (stat && stat.state !== 'Z') found.push({ pid, pgrp: stat.pgrp });
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

/** SIGKILLs the process groups of every process started from dir; returns how many there were. */
export function killLeftovers(dir: string): number {
  const left = processesOf(dir);
  const ownGroup = readProcStat(process.pid)?.pgrp;
  for (const { pid, pgrp } of left) {
    try {
      process.kill(pgrp > 1 && pgrp !== ownGroup ? -pgrp : pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return left.length;
}
