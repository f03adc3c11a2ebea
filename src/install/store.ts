import type { Kysely, Selectable } from 'kysely';
import { uniqueViolation } from '../db/constraint-violation.js';
import type { Database, InstallJobsTable } from '../db/schema.js';
import type { Job, JobKind } from './control.js';
import type { JobOutcome } from './job.js';
import type { Progress } from './progress.js';

export type JobRow = Selectable<InstallJobsTable>;

export function toJob(row: JobRow): Job {
  return {
    id: Number(row.id),
    kind: row.kind,
    state: row.state,
    phase: row.phase,
    percent: Number(row.percent),
    bytes_done: Number(row.bytes_done),
    bytes_total: Number(row.bytes_total),
    attempts: Number(row.attempts),
    error: row.error,
    started_at: row.started_at,
    finished_at: row.finished_at,
  };
}

export class JobAlreadyRunning extends Error {
  constructor() {
    super('an install job is already running');
  }
}

/** Lines kept per job; a real install prints a few thousand at most. */
export const MAX_LINES_PER_JOB = 20_000;

/** The install jobs, their logs and the last update check, on either dialect. */
export class InstallStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a running job; the unique index refuses a second (JobAlreadyRunning). */
  async createJob(kind: JobKind, now: string): Promise<Job> {
    try {
      const row = await this.db
        .insertInto('install_jobs')
        .values({
          kind,
          state: 'running',
          phase: kind === 'install' ? 'bootstrap' : 'download',
          percent: 0,
          bytes_done: 0,
          bytes_total: 0,
          attempts: 0,
          error: '',
          files_intact: 1,
          started_at: now,
          finished_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toJob(row);
    } catch (error) {
      if (uniqueViolation(error) === 'install_jobs_one_running') throw new JobAlreadyRunning();
      throw error;
    }
  }

  async saveProgress(id: number, progress: Progress, attempts: number): Promise<void> {
    await this.db
      .updateTable('install_jobs')
      .set({ ...progress, attempts })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .execute();
  }

  async finishJob(id: number, outcome: JobOutcome, attempts: number, now: string): Promise<Job> {
    const row = await this.db
      .updateTable('install_jobs')
      .set({
        ...outcome.progress,
        state: outcome.state,
        error: outcome.error,
        attempts,
        files_intact: outcome.touchedFiles ? 0 : 1,
        finished_at: now,
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toJob(row);
  }

  /** Jobs a stopped or crashed panel left `running`: they ended with it. */
  async failInterruptedJobs(now: string): Promise<number> {
    const result = await this.db
      .updateTable('install_jobs')
      .set({
        state: 'failed',
        error: 'the panel stopped while the job ran',
        files_intact: 0,
        finished_at: now,
      })
      .where('state', '=', 'running')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async appendLines(jobId: number, lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.db
      .insertInto('install_job_lines')
      .values(lines.map((line) => ({ job_id: jobId, line })))
      .execute();
  }

  /** The newest job, and whether the install's files were left whole by it. */
  async latestJob(): Promise<{ job: Job; filesIntact: boolean } | null> {
    const row = await this.db
      .selectFrom('install_jobs')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { job: toJob(row), filesIntact: Number(row.files_intact) === 1 } : null;
  }

  async job(id: number): Promise<Job | null> {
    const row = await this.db.selectFrom('install_jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJob(row) : null;
  }

  /** The last `limit` lines of a job's log, oldest first. */
  async jobLines(jobId: number, limit = 500): Promise<string[]> {
    const rows = await this.db
      .selectFrom('install_job_lines')
      .select(['line'])
      .where('job_id', '=', jobId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => row.line).reverse();
  }

  async status(): Promise<{ remote_buildid: string | null; checked_at: string | null }> {
    const row = await this.db.selectFrom('install_status').selectAll().where('id', '=', 1).executeTakeFirst();
    return { remote_buildid: row?.remote_buildid ?? null, checked_at: row?.checked_at ?? null };
  }

  async saveCheck(remoteBuildid: string | null, checkedAt: string): Promise<void> {
    const values = { remote_buildid: remoteBuildid, checked_at: checkedAt };
    await this.db
      .insertInto('install_status')
      .values({ id: 1, ...values })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(values))
      .execute();
  }
}
