import { mkdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootstrapArgs, commandText, updateArgs } from './command-lines.js';
import type { JobKind } from './control.js';
import { freeBytesAt, freeSpaceShortage } from './disk.js';
import { describeRunFailure, STEAMCMD_NOT_FOUND } from './failures.js';
import { type Progress, ProgressTracker } from './progress.js';
import { runInPty } from './pty.js';

export type FinishedJobState = 'succeeded' | 'failed' | 'cancelled';

export interface JobSettings {
  srcdsDir: string;
  /** The SteamCMD program, or null when none was found (the job fails saying how to get one). */
  steamcmd: string | null;
  /** INSTALL_MIN_FREE_GB: the job refuses to start with less free in `srcdsDir`. */
  minFreeGb: number;
  /** SteamCMD's environment. */
  env: NodeJS.ProcessEnv;
  /** Network failures are tried again this many times, after base, 2x base, 4x base ... ms. */
  networkRetries: number;
  retryBaseMs: number;
  /** SteamCMD printing nothing this long counts as a network failure (it is ended and tried again). */
  stallMs: number;
}

export const DEFAULT_JOB_SETTINGS = { networkRetries: 3, retryBaseMs: 2000, stallMs: 10 * 60_000 };

export interface JobObserver {
  progress(progress: Progress): void;
  /** A line SteamCMD printed, or one of the job's own (its command lines, its retries). */
  log(line: string): void;
  /** A SteamCMD run starts; `attempts` counts them. */
  attempt(attempts: number): void;
}

export interface JobOutcome {
  state: FinishedJobState;
  /** '' on success. */
  error: string;
  /** Whether SteamCMD may have changed installed files (then they may not be whole after a failure). */
  touchedFiles: boolean;
  progress: Progress;
}

interface RunResult {
  tracker: ProgressTracker;
  exit: { code: number | null; signal: string | null };
  stalled: boolean;
}

/** One SteamCMD run under a pseudo-terminal, ended early by `signal` or by silence. */
async function runOnce(
  settings: JobSettings & { steamcmd: string },
  args: string[],
  tracker: ProgressTracker,
  observer: JobObserver,
  signal: AbortSignal,
): Promise<RunResult> {
  let stalled = false;
  let silence: NodeJS.Timeout | undefined;
  const run = runInPty(settings.steamcmd, args, {
    env: settings.env,
    cwd: settings.srcdsDir,
    onLine: (line) => {
      armSilence();
      if (line.trim() !== '') observer.log(line);
      const progress = tracker.feed(line);
      if (progress) observer.progress(progress);
    },
  });
  function armSilence() {
    clearTimeout(silence);
    silence = setTimeout(() => {
      stalled = true;
      void run.terminate();
    }, settings.stallMs);
  }
  armSilence();
  const cancel = () => void run.terminate();
  signal.addEventListener('abort', cancel, { once: true });
  const exit = await run.exited;
  clearTimeout(silence);
  signal.removeEventListener('abort', cancel);
  // script is gone; make sure nothing of SteamCMD's group stays behind.
  await run.terminate(0);
  return { tracker, exit, stalled };
}

/**
 * Installs (the Windows-then-Linux bootstrap) or updates and validates the game with SteamCMD.
 * An update failing with `Invalid platform` / `Missing configuration` is tried once more with the
 * bootstrap; a network failure is tried again up to `networkRetries` times, with backoff. `signal`
 * cancels: SteamCMD's process group is ended.
 */
export async function runJob(
  kind: JobKind,
  settings: JobSettings,
  observer: JobObserver,
  signal: AbortSignal,
): Promise<JobOutcome> {
  const start: Progress = {
    phase: kind === 'install' ? 'bootstrap' : 'download',
    percent: 0,
    bytes_done: 0,
    bytes_total: 0,
  };
  let last = start;
  let touchedFiles = false;
  const finish = (state: FinishedJobState, error = ''): JobOutcome => {
    if (state === 'succeeded')
      last = { phase: 'done', percent: 100, bytes_done: last.bytes_total, bytes_total: last.bytes_total };
    return { state, error, touchedFiles, progress: last };
  };
  const { steamcmd } = settings;
  if (steamcmd === null) return finish('failed', STEAMCMD_NOT_FOUND);
  const shortage = freeSpaceShortage(
    settings.srcdsDir,
    settings.minFreeGb,
    await freeBytesAt(settings.srcdsDir),
  );
  if (shortage) return finish('failed', shortage);
  await mkdir(settings.srcdsDir, { recursive: true });

  let args = kind === 'install' ? bootstrapArgs(settings.srcdsDir) : updateArgs(settings.srcdsDir);
  let bootstrapped = kind === 'install';
  let networkRetries = 0;
  for (let attempts = 1; ; attempts++) {
    if (signal.aborted) return finish('cancelled', 'cancelled');
    observer.attempt(attempts);
    observer.log(`$ ${commandText(steamcmd, args)}`);
    // With the bootstrap in its command line, a run starts in the Windows half.
    const tracker = new ProgressTracker({ ...start, phase: bootstrapped ? 'bootstrap' : 'download' });
    last = tracker.progress;
    observer.progress(last);
    const { exit, stalled } = await runOnce(
      { ...settings, steamcmd },
      args,
      tracker,
      {
        ...observer,
        progress: (progress) => {
          last = progress;
          observer.progress(progress);
        },
      },
      signal,
    );
    touchedFiles ||= tracker.touchedFiles;
    if (signal.aborted) return finish('cancelled', 'cancelled');
    if (!stalled && tracker.failure === null && exit.code === 0) return finish('succeeded');
    const failure = stalled
      ? {
          message: `steamcmd printed nothing for ${Math.round(settings.stallMs / 1000)} s`,
          retry: 'network' as const,
        }
      : describeRunFailure(tracker.failure, exit);
    if (failure.retry === 'platform' && !bootstrapped) {
      bootstrapped = true;
      args = bootstrapArgs(settings.srcdsDir);
      observer.log(`${failure.message}: trying again with the Windows-then-Linux bootstrap`);
      continue;
    }
    if (failure.retry === 'network' && networkRetries < settings.networkRetries) {
      networkRetries++;
      const delayMs = settings.retryBaseMs * 2 ** (networkRetries - 1);
      observer.log(
        `${failure.message}: trying again in ${delayMs / 1000} s (retry ${networkRetries} of ${settings.networkRetries})`,
      );
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        return finish('cancelled', 'cancelled');
      }
      continue;
    }
    return finish('failed', failure.message);
  }
}
