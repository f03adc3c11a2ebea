import type { JobPhase, Progress } from './progress.js';

export type JobKind = 'install' | 'update';

/** The Job JSON of design/install.md. */
export interface Job {
  id: number;
  kind: JobKind;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  phase: JobPhase;
  percent: number;
  bytes_done: number;
  bytes_total: number;
  attempts: number;
  error: string;
  started_at: string;
  finished_at: string | null;
}

export type InstallState = 'missing' | 'installed' | 'installing' | 'updating' | 'failed';

/** The Install JSON of design/install.md. */
export interface Install {
  state: InstallState;
  path: string;
  buildid: string | null;
  remote_buildid: string | null;
  update_available: boolean | null;
  checked_at: string | null;
  job: Job | null;
}

export type InstallEvent =
  | ({ type: 'progress'; job_id: number } & Progress)
  | { type: 'log'; job_id: number; line: string }
  | ({ type: 'install' } & Install);

/** What the routes may ask of the game's install (the Installer, behind InstallGate). */
export interface InstallControl {
  snapshot(): Promise<Install>;
  /** Installs when missing, updates and validates when present; throws JobAlreadyRunning. */
  start(): Promise<Job>;
  /** Throws NoJobRunning. */
  cancel(): Promise<Job>;
  /** Asks Steam for the current build. */
  check(): Promise<Install>;
  subscribe(listener: (event: InstallEvent) => void): () => void;
  /** The last lines of a job's log, oldest first. */
  jobLines(jobId: number, limit?: number): Promise<string[]>;
}

/** Jobs and checks run only in the panel that supervises the game servers (design/install.md). */
export class NotSupervising extends Error {
  constructor() {
    super('this panel does not supervise the game servers: install from the panel that does');
  }
}

/**
 * The install as the routes see it (src/panel.ts): reads always, jobs and checks only while this
 * panel holds the supervision lease (src/db/lock.ts).
 */
export class InstallGate implements InstallControl {
  constructor(
    private readonly installer: InstallControl,
    private readonly held: () => boolean,
  ) {}

  private gate(): void {
    if (!this.held()) throw new NotSupervising();
  }

  snapshot(): Promise<Install> {
    return this.installer.snapshot();
  }

  async start(): Promise<Job> {
    this.gate();
    return this.installer.start();
  }

  async cancel(): Promise<Job> {
    this.gate();
    return this.installer.cancel();
  }

  async check(): Promise<Install> {
    this.gate();
    return this.installer.check();
  }

  subscribe(listener: (event: InstallEvent) => void): () => void {
    return this.installer.subscribe(listener);
  }

  jobLines(jobId: number, limit?: number): Promise<string[]> {
    return this.installer.jobLines(jobId, limit);
  }
}
