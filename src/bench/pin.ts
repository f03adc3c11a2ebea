import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** The cores the HTTP bench uses: the panel and the ceiling on one, the load generator on the other. */
export const PANEL_CORE = 0;
export const LOAD_CORE = 1;

/** Whether pinning is possible here: taskset present and at least two cores. */
export function canPin(): boolean {
  if (os.cpus().length < 2) return false;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of the process (its libuv pool too) to one core (-1: every core); later children inherit it. */
export function pinToCore(pid: number, core: number): void {
  const cores = core < 0 ? `0-${os.cpus().length - 1}` : String(core);
  execFileSync('taskset', ['-a', '-cp', cores, String(pid)], { stdio: 'ignore' });
}
