import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import pg from 'pg';

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

/**
 * Pins the PostgreSQL backends serving the database of `databaseUrl` (the bench's own) to `core`, and
 * says what it did. They are not the panel: left to the scheduler, it wakes each one on the core of
 * the panel that wrote to it, where it runs instead of the panel (the ceiling has no database). Only
 * processes of this machine named postgres are pinned (a server elsewhere, or in a container, has
 * pids of its own); the callers pin again before each load, for the backends a pool opened since.
 */
export async function pinDatabaseBackends(databaseUrl: string, core: number): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    const ours = rows.filter(({ pid }) => processName(pid) === 'postgres');
    for (const { pid } of ours) pinToCore(pid, core);
    if (ours.length === 0) return 'PostgreSQL not pinned (its backends are not processes of this machine)';
    return `PostgreSQL's backends for the bench database on core ${core}`;
  } catch (error) {
    return `PostgreSQL not pinned (${(error as Error).message.split('\n')[0]})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function processName(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}
