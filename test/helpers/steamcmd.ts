/**
 * The SteamCMD simulator for tests: a laid-out copy in a temp dir, its options file, and what it
 * recorded (its runs' arguments). Needs `npm run build` (steamcmd.sh runs dist/sim-steamcmd/main.js).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { layOutSimSteamcmd } from '../../src/sim-steamcmd/install.js';
import { OPTIONS_FILE, RUNS_LOG, type SimSteamcmdOptions } from '../../src/sim-steamcmd/options.js';

export interface SimSteamcmd {
  /** The simulator's folder. */
  dir: string;
  /** Its steamcmd.sh: what STEAMCMD names. */
  program: string;
  /** Writes sim-steamcmd.json (read at every run). */
  configure(options: Partial<SimSteamcmdOptions>): Promise<void>;
  /** The arguments of every run so far, oldest first. */
  runs(): string[][];
}

const made: string[] = [];

/** The Job JSON of a job just started (install: its first phase is the Windows bootstrap). */
export function startedJob(kind: 'install' | 'update') {
  return {
    id: expect.any(Number),
    kind,
    state: 'running',
    phase: kind === 'install' ? 'bootstrap' : 'download',
    percent: 0,
    bytes_done: 0,
    bytes_total: 0,
    attempts: 0,
    error: '',
    started_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    finished_at: null,
  };
}

/** Fast by default: 50 MB at 100 MB/s in 25 ms ticks (about 20 progress lines). */
export const FAST: Partial<SimSteamcmdOptions> = {
  bytesTotal: 50_000_000,
  bytesPerSecond: 100_000_000,
  tickMs: 25,
};

export async function makeSimSteamcmd(options: Partial<SimSteamcmdOptions> = FAST): Promise<SimSteamcmd> {
  const dir = await mkdtemp(path.join(tmpdir(), 'l4d2web-steamcmd-'));
  made.push(dir);
  const program = await layOutSimSteamcmd(dir);
  const configure = (next: Partial<SimSteamcmdOptions>) =>
    writeFile(path.join(dir, OPTIONS_FILE), JSON.stringify(next));
  await configure(options);
  return {
    dir,
    program,
    configure,
    runs() {
      try {
        return readFileSync(path.join(dir, RUNS_LOG), 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => (JSON.parse(line) as { args: string[] }).args);
      } catch {
        return [];
      }
    },
  };
}

export async function removeSimSteamcmds(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}

/** Pids of processes whose command line mentions `text` (e.g. a simulator's folder). */
export function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (commandLine.includes(text)) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
