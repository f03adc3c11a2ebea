import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { readInstalledBuildid, remoteBuildidOf, updateAvailable } from './builds.js';
import { appInfoArgs } from './command-lines.js';
import type { Install, InstallControl, InstallEvent, InstallState, Job, JobKind } from './control.js';
import { DEFAULT_JOB_SETTINGS, type JobOutcome, type JobSettings, runJob } from './job.js';
import type { Progress } from './progress.js';
import { runInPty } from './pty.js';
import { resolveSteamcmd } from './steamcmd-path.js';
import { type InstallStore, JobAlreadyRunning, MAX_LINES_PER_JOB } from './store.js';

export class NoJobRunning extends Error {
  constructor() {
    super('no install job is running');
  }
}

/** What the rest of the panel does around a job (the supervisor's part: design/install.md). */
export interface LiveInstall {
  /** Before SteamCMD runs: no server may start; running ones are warned, then stopped. */
  beforeJob(job: Job): Promise<void>;
  /** After it: instances rebuilt, servers that should run started again (or failed, naming `error`). */
  afterJob(job: Job, filesUsable: boolean): Promise<void>;
}

export interface InstallerSettings {
  srcdsDir: string;
  dataDir: string;
  /** STEAMCMD as configured (null: look for it). */
  steamcmd: string | null;
  minFreeGb: number;
  env: NodeJS.ProcessEnv;
  /** How long an update check may take before it counts as failed. */
  checkTimeoutMs: number;
  job: Partial<Pick<JobSettings, 'networkRetries' | 'retryBaseMs' | 'stallMs'>>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 120_000;

/** Whether the install has the program servers are launched with. */
export function isInstalled(srcdsDir: string): boolean {
  try {
    accessSync(path.join(srcdsDir, 'srcds_run'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** How often progress reaches the database while SteamCMD runs (events go out at once). */
const SAVE_EVERY_MS = 500;

/**
 * Runs install and update jobs one at a time (the database refuses a second), keeps their progress
 * and logs, checks Steam for new builds, and tells listeners (the Install page's stream) as it goes.
 */
export class Installer implements InstallControl {
  private readonly listeners = new Set<(event: InstallEvent) => void>();
  private current: { job: Job; abort: AbortController; done: Promise<void> } | null = null;
  private checking: Promise<Install> | null = null;
  private readonly checkListeners = new Set<(install: Install) => void>();

  constructor(
    readonly store: InstallStore,
    private readonly settings: InstallerSettings,
    private readonly live: LiveInstall | null = null,
    private readonly now: () => Date = () => new Date(),
    private readonly log: { error(object: unknown, message?: string): void } = console,
  ) {}

  subscribe(listener: (event: InstallEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: InstallEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  jobLines(jobId: number, limit?: number): Promise<string[]> {
    return this.store.jobLines(jobId, limit);
  }

  /** Listens to every finished update check (AUTO_UPDATE acts on them); returns the unsubscribe function. */
  onChecked(listener: (install: Install) => void): () => void {
    this.checkListeners.add(listener);
    return () => this.checkListeners.delete(listener);
  }

  /** The job running in this panel, if any. */
  get runningJob(): Job | null {
    return this.current?.job ?? null;
  }

  /** Resolves when the job running now (if any) has finished, servers and all. */
  async idle(): Promise<void> {
    await this.current?.done;
  }

  async snapshot(): Promise<Install> {
    const { srcdsDir } = this.settings;
    const [latest, status, buildid] = await Promise.all([
      this.store.latestJob(),
      this.store.status(),
      readInstalledBuildid(srcdsDir),
    ]);
    const present = isInstalled(srcdsDir);
    const job = latest?.job ?? null;
    let state: InstallState = present ? 'installed' : 'missing';
    if (job?.state === 'running') state = job.kind === 'install' ? 'installing' : 'updating';
    else if (job?.state === 'failed' && !present) state = 'failed';
    else if ((job?.state === 'failed' || job?.state === 'cancelled') && present && !latest?.filesIntact) {
      state = 'failed';
    }
    return {
      state,
      path: srcdsDir,
      buildid,
      remote_buildid: status.remote_buildid,
      update_available: present ? updateAvailable(buildid, status.remote_buildid) : null,
      checked_at: status.checked_at,
      job,
    };
  }

  private async announce(): Promise<void> {
    this.emit({ type: 'install', ...(await this.snapshot()) });
  }

  /** Starts a job: install when the game is missing, update and validate when present. */
  async start(): Promise<Job> {
    if (this.current) throw new JobAlreadyRunning();
    const kind: JobKind = isInstalled(this.settings.srcdsDir) ? 'update' : 'install';
    const job = await this.store.createJob(kind, this.now().toISOString());
    const abort = new AbortController();
    const entry = { job, abort, done: Promise.resolve() };
    this.current = entry;
    entry.done = this.carryOut(job, abort.signal)
      .catch((error: unknown) => this.log.error(error, 'install job failed unexpectedly'))
      .finally(() => {
        if (this.current === entry) this.current = null;
        void this.announce().catch(() => {});
      });
    await this.announce();
    return job;
  }

  /** Cancels the running job (SteamCMD's process group is ended); resolves with the finished job. */
  async cancel(): Promise<Job> {
    const entry = this.current;
    if (!entry) throw new NoJobRunning();
    entry.abort.abort();
    await entry.done;
    return (await this.store.job(entry.job.id)) ?? entry.job;
  }

  /**
   * Ends a running job (the panel is stopping, or no longer supervises): SteamCMD must not write the
   * install while nobody holds the servers.
   */
  async close(): Promise<void> {
    this.current?.abort.abort();
    await this.current?.done;
    await this.checking?.catch(() => {});
  }

  private async carryOut(job: Job, signal: AbortSignal): Promise<void> {
    let attempts = 0;
    let progress: Progress = { phase: job.phase, percent: 0, bytes_done: 0, bytes_total: 0 };
    const lines: string[] = [];
    let lineCount = 0;
    let saved = 0;
    let saving: Promise<void> = Promise.resolve();
    const save = (force = false) => {
      const at = Date.now();
      if (!force && at - saved < SAVE_EVERY_MS) return saving;
      saved = at;
      const batch = lines.splice(0);
      const snapshot = { ...progress };
      saving = saving
        .then(async () => {
          await this.store.appendLines(job.id, batch);
          await this.store.saveProgress(job.id, snapshot, attempts);
        })
        .catch((error: unknown) => this.log.error(error, 'saving install progress failed'));
      return saving;
    };
    const observer = {
      progress: (next: Progress) => {
        progress = next;
        this.emit({ type: 'progress', job_id: job.id, ...next });
        void save();
      },
      log: (line: string) => {
        if (lineCount++ < MAX_LINES_PER_JOB) lines.push(line);
        this.emit({ type: 'log', job_id: job.id, line });
        void save();
      },
      attempt: (count: number) => {
        attempts = count;
        void save(true);
      },
    };
    let outcome: JobOutcome;
    try {
      await this.live?.beforeJob(job);
      const { srcdsDir, dataDir, steamcmd, minFreeGb, env } = this.settings;
      outcome = await runJob(
        job.kind,
        {
          ...DEFAULT_JOB_SETTINGS,
          ...this.settings.job,
          srcdsDir,
          minFreeGb,
          env,
          steamcmd: resolveSteamcmd(steamcmd, dataDir, env.PATH ?? ''),
        },
        observer,
        signal,
      );
    } catch (error) {
      outcome = { state: 'failed', error: (error as Error).message, touchedFiles: false, progress };
    }
    if (outcome.error !== '' && outcome.state === 'failed') observer.log(`job failed: ${outcome.error}`);
    await save(true);
    const finished = await this.store.finishJob(job.id, outcome, attempts, this.now().toISOString());
    this.emit({ type: 'progress', job_id: job.id, ...outcome.progress });
    await this.announce();
    const usable =
      outcome.state === 'succeeded' || (!outcome.touchedFiles && isInstalled(this.settings.srcdsDir));
    await this.live?.afterJob(finished, usable);
  }

  /** Asks Steam for the current build (app_info_print) and records it; a failed query records unknown. */
  async check(): Promise<Install> {
    if (this.current) return this.snapshot();
    this.checking ??= this.queryRemoteBuild().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async queryRemoteBuild(): Promise<Install> {
    const { steamcmd, dataDir, env, checkTimeoutMs } = this.settings;
    const program = resolveSteamcmd(steamcmd, dataDir, env.PATH ?? '');
    let output = '';
    if (program !== null) {
      const run = runInPty(program, appInfoArgs(), {
        env,
        onLine: (line) => {
          output += `${line}\n`;
        },
      });
      const timer = setTimeout(() => void run.terminate(), checkTimeoutMs);
      await run.exited;
      clearTimeout(timer);
      await run.terminate(0);
    }
    await this.store.saveCheck(remoteBuildidOf(output), this.now().toISOString());
    await this.announce();
    const install = await this.snapshot();
    for (const listener of this.checkListeners) listener(install);
    return install;
  }
}
