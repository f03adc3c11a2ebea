/**
 * Runs the schedules (design/operations.md) on the panel that supervises: every tick it checks that
 * this panel holds the supervision lease, takes in the run-now requests, and for each enabled schedule
 * the runs that fell due since `checked_until`. The latest one, if due within `graceMs`, runs; older
 * ones were missed while no panel supervised and are recorded once as one `missed` run, never replayed.
 * A run is claimed by inserting its row, unique per (schedule, scheduled_for): two panels never run
 * the same run, even while the lease changes hands.
 */
import type { Kysely } from 'kysely';
import type { SessionUser } from '../auth/sessions.js';
import { uniqueViolation } from '../db/constraint-violation.js';
import type { Database, RunOutcome } from '../db/schema.js';
import type { InstallControl } from '../install/control.js';
import { JobAlreadyRunning } from '../install/store.js';
import { setDesiredState } from '../servers/servers.js';
import { type Clock, systemClock } from '../supervisor/clock.js';
import type { PlayerCount, SupervisorControl } from '../supervisor/control.js';
import { dueRuns } from './cron.js';
import { type PlayerPolicy, type Task, taskCommand } from './input.js';
import { type Run, type ServerOutcome, serverRefusal, toRun } from './schedules.js';

export interface RunnerOptions {
  /** How often due runs and run-now requests are looked for. */
  tickMs: number;
  /** `wait`: how often a server with players is counted again. */
  recheckMs: number;
  /** A run found due later than this after its time was missed (no panel ran then). */
  graceMs: number;
  /** `update`: how often the install job is looked at until it ends. */
  installPollMs: number;
  clock: Clock;
}

export const defaultRunnerOptions: RunnerOptions = {
  tickMs: 1_000,
  recheckMs: 30_000,
  graceMs: 60_000,
  installPollMs: 2_000,
  clock: systemClock,
};

/** A run that failed, for alerts (schedule_failed). */
export interface FailedRun {
  schedule: { id: number; name: string; user_id: number };
  run: Run;
}

export interface RunnerDeps {
  db: Kysely<Database>;
  /** The supervisor as the routes see it (the LeaseGate in a panel). */
  supervisor: SupervisorControl;
  /** Whether this panel supervises now (holds the lease). */
  supervising: () => boolean;
  log: { warn(message: string): void };
  /** The game's install (src/install/), for `update` tasks; without it they fail, saying so. */
  install?: Pick<InstallControl, 'start' | 'snapshot'>;
  /** Told of every failed run (must not wait). */
  onFailed?: (failure: FailedRun) => void;
}

type ScheduleRow = Awaited<ReturnType<ScheduleRunner['enabledSchedules']>>[number];

/** The run's outcome from its servers': failed > skipped everywhere > forced > done. */
export function runOutcome(servers: readonly ServerOutcome[]): RunOutcome {
  if (servers.some((server) => server.outcome === 'failed')) return 'failed';
  if (servers.length > 0 && servers.every((server) => server.outcome === 'skipped')) return 'skipped';
  if (servers.some((server) => server.outcome === 'forced')) return 'forced';
  return 'done';
}

function playersText(players: number): string {
  return players === 1 ? '1 player' : `${players} players`;
}

class Stopped extends Error {}

export class ScheduleRunner {
  private readonly options: RunnerOptions;
  private cancelTick: (() => void) | null = null;
  private running = false;
  private stopped = false;
  private supervisedBefore = false;
  private readonly inFlight = new Map<number, Promise<void>>();
  /** The schedule of each run under way here (run id → schedule id). */
  private readonly scheduleOfRun = new Map<number, number>();
  /** Pending sleeps, woken (rejected) when the runner stops. */
  private readonly sleepers = new Set<(error: Error) => void>();

  constructor(
    private readonly deps: RunnerDeps,
    options: Partial<RunnerOptions> = {},
  ) {
    this.options = { ...defaultRunnerOptions, ...options };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.next(0);
  }

  /** Stops ticking; runs under way end as failed ("the panel stopped"); waits for them to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.cancelTick?.();
    for (const wake of [...this.sleepers]) wake(new Stopped('the panel stopped during the run'));
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Resolves once every run this runner started has been recorded (for tests). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  private next(ms: number): void {
    this.cancelTick = this.options.clock.after(ms, () => {
      void this.tick()
        .catch((error: unknown) => this.deps.log.warn(`schedules: ${error}`))
        .finally(() => {
          if (this.running) this.next(this.options.tickMs);
        });
    });
  }

  /** One look: run-now requests and due runs (public for tests that drive the clock). */
  async tick(): Promise<void> {
    if (!this.deps.supervising()) {
      this.supervisedBefore = false;
      return;
    }
    const now = new Date(this.options.clock.now());
    if (!this.supervisedBefore) {
      // The panel that ran them before stopped or lost the lease: its runs under way ended with it.
      await this.endOrphans(now);
      this.supervisedBefore = true;
    }
    await this.takeRunNows(now);
    for (const schedule of await this.enabledSchedules()) await this.takeDue(schedule, now);
  }

  private enabledSchedules() {
    return this.deps.db.selectFrom('schedules').selectAll().where('enabled', '=', 1).execute();
  }

  private async endOrphans(now: Date): Promise<void> {
    const orphans = await this.deps.db
      .selectFrom('schedule_runs')
      .select(['id', 'detail'])
      .where('started_at', 'is not', null)
      .where('finished_at', 'is', null)
      .execute();
    for (const orphan of orphans) {
      if (this.inFlight.has(orphan.id)) continue;
      await this.deps.db
        .updateTable('schedule_runs')
        .set({
          outcome: 'failed',
          finished_at: now.toISOString(),
          detail: JSON.stringify([
            { server_id: 0, outcome: 'failed', why: 'the panel running it stopped before it finished' },
          ]),
        })
        .where('id', '=', orphan.id)
        .where('finished_at', 'is', null)
        .execute();
    }
  }

  private async takeRunNows(now: Date): Promise<void> {
    const requested = await this.deps.db
      .selectFrom('schedule_runs')
      .innerJoin('schedules', 'schedules.id', 'schedule_runs.schedule_id')
      .selectAll('schedules')
      .select('schedule_runs.id as run_id')
      .where('schedule_runs.started_at', 'is', null)
      .where('schedule_runs.outcome', '=', 'waiting')
      .execute();
    for (const { run_id, ...schedule } of requested) {
      const claimed = await this.deps.db
        .updateTable('schedule_runs')
        .set({ started_at: now.toISOString() })
        .where('id', '=', run_id)
        .where('started_at', 'is', null)
        .executeTakeFirst();
      if (claimed.numUpdatedRows === 1n) this.launch(run_id, schedule);
    }
  }

  private async takeDue(schedule: ScheduleRow, now: Date): Promise<void> {
    const due = dueRuns(schedule.cron, schedule.timezone, new Date(schedule.checked_until), now);
    if (!due) return;
    // Whoever moves checked_until on owns these runs (the unique run row guards as well).
    const moved = await this.deps.db
      .updateTable('schedules')
      .set({ checked_until: now.toISOString() })
      .where('id', '=', schedule.id)
      .where('checked_until', '=', schedule.checked_until)
      .executeTakeFirst();
    if (moved.numUpdatedRows !== 1n) return;
    // Runs older than the grace were missed (no panel ran then); of the others only the latest runs.
    const cutoff = new Date(now.getTime() - this.options.graceMs);
    const late = dueRuns(schedule.cron, schedule.timezone, new Date(schedule.checked_until), cutoff);
    if (late) await this.recordMissed(schedule, late.first, late.latest, now);
    if (due.latest <= cutoff) return;
    const busy = [...this.scheduleOfRun.values()].includes(schedule.id);
    const runId = await this.claim(schedule.id, {
      scheduled_for: due.latest.toISOString(),
      started_at: now.toISOString(),
      finished_at: busy ? now.toISOString() : null,
      outcome: busy ? 'skipped' : 'waiting',
      detail: busy
        ? await this.everyServer(schedule.id, 'skipped', 'skipped: the previous run is still under way')
        : '[]',
    });
    if (runId !== null && !busy) this.launch(runId, schedule);
  }

  /** The run's detail when every server has the same outcome. */
  private async everyServer(scheduleId: number, outcome: RunOutcome, why: string): Promise<string> {
    const servers = await this.serverIds(scheduleId);
    return JSON.stringify(servers.map((server_id) => ({ server_id, outcome, why })));
  }

  /** Inserts a run row; null when another panel has it already. */
  private async claim(
    scheduleId: number,
    run: {
      scheduled_for: string;
      started_at: string | null;
      finished_at: string | null;
      outcome: RunOutcome;
      detail: string;
    },
  ): Promise<number | null> {
    try {
      const { id } = await this.deps.db
        .insertInto('schedule_runs')
        .values({ schedule_id: scheduleId, manual: 0, ...run })
        .returning('id')
        .executeTakeFirstOrThrow();
      return id;
    } catch (error) {
      if (uniqueViolation(error) === 'schedule_runs_claim_unique') return null;
      throw error;
    }
  }

  /** One `missed` row for a gap, at its first due time: the runs of the gap are not replayed. */
  private async recordMissed(schedule: ScheduleRow, first: Date, last: Date, now: Date) {
    const why =
      first.getTime() === last.getTime()
        ? `missed: no panel supervised at ${first.toISOString()}; not replayed`
        : `missed: no panel supervised from ${first.toISOString()} to ${last.toISOString()} (every run between); not replayed`;
    await this.claim(schedule.id, {
      scheduled_for: first.toISOString(),
      started_at: null,
      finished_at: now.toISOString(),
      outcome: 'missed',
      detail: await this.everyServer(schedule.id, 'missed', why),
    });
  }

  private async serverIds(scheduleId: number): Promise<number[]> {
    const rows = await this.deps.db
      .selectFrom('schedule_servers')
      .select('server_id')
      .where('schedule_id', '=', scheduleId)
      .orderBy('server_id')
      .execute();
    return rows.map((row) => row.server_id);
  }

  private launch(runId: number, schedule: ScheduleRow): void {
    const done = this.execute(runId, schedule)
      .catch((error: unknown) => this.deps.log.warn(`schedule ${schedule.id} run ${runId}: ${error}`))
      .finally(() => {
        this.inFlight.delete(runId);
        this.scheduleOfRun.delete(runId);
      });
    this.inFlight.set(runId, done);
    this.scheduleOfRun.set(runId, schedule.id);
  }

  /** Carries a claimed run out on each server at once, keeping its row up to date, then records the outcome. */
  private async execute(runId: number, schedule: ScheduleRow): Promise<void> {
    const { db } = this.deps;
    const owner = await db
      .selectFrom('users')
      .select(['id', 'username', 'role', 'disabled_at'])
      .where('id', '=', schedule.user_id)
      .executeTakeFirst();
    const serverIds = await this.serverIds(schedule.id);
    const tasks = (JSON.parse(schedule.tasks) as Task[]).toSorted(
      (a, b) => a.offset_seconds - b.offset_seconds,
    );
    const detail: ServerOutcome[] = serverIds.map((server_id) => ({
      server_id,
      outcome: 'waiting',
      why: 'starting',
    }));
    const save = async (finished: boolean) => {
      await db
        .updateTable('schedule_runs')
        .set({
          detail: JSON.stringify(detail),
          outcome: finished ? runOutcome(detail) : 'waiting',
          ...(finished && { finished_at: new Date(this.options.clock.now()).toISOString() }),
        })
        .where('id', '=', runId)
        .execute();
    };
    await Promise.all(
      serverIds.map(async (serverId, index) => {
        const report = (outcome: RunOutcome, why: string) => {
          detail[index] = { server_id: serverId, outcome, why };
          return save(false);
        };
        try {
          if (!owner || owner.disabled_at !== null)
            throw new Error("the schedule's owner is disabled or gone");
          const user: SessionUser = { id: owner.id, username: owner.username, role: owner.role };
          await this.runOnServer(user, serverId, tasks, schedule, report);
        } catch (error) {
          await report('failed', error instanceof Error ? error.message : String(error));
        }
      }),
    );
    await save(true);
    const run = await db
      .selectFrom('schedule_runs')
      .selectAll()
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    if (run.outcome === 'failed')
      this.deps.onFailed?.({
        schedule: { id: schedule.id, name: schedule.name, user_id: schedule.user_id },
        run: toRun(run),
      });
  }

  private async runOnServer(
    user: SessionUser,
    serverId: number,
    tasks: Task[],
    schedule: { when_players: PlayerPolicy; max_wait_minutes: number },
    report: (outcome: RunOutcome, why: string) => Promise<void>,
  ): Promise<void> {
    // The owner's rights today, not when the schedule was saved (a membership may be gone).
    const refusal = await serverRefusal(this.deps.db, user, serverId, tasks);
    if (refusal) return report('failed', refusal);
    const cleared = await this.clearPlayers(serverId, schedule, report);
    if (cleared.skip) return report('skipped', cleared.why);
    // Offsets count from when the server's tasks begin (after any wait for players).
    const begin = this.options.clock.now();
    const done: string[] = [];
    for (const task of tasks) {
      await this.sleep(begin + task.offset_seconds * 1000 - this.options.clock.now());
      await report('waiting', `${[...done, `${task.action}…`].join(', ')}`);
      done.push(await this.perform(serverId, task));
    }
    return report(cleared.forced ? 'forced' : 'done', [cleared.why, ...done].filter(Boolean).join('; '));
  }

  /** The player policy: whether to go on, and why (`skip` and `wait` never take an unknown count for empty). */
  private async clearPlayers(
    serverId: number,
    { when_players, max_wait_minutes }: { when_players: PlayerPolicy; max_wait_minutes: number },
    report: (outcome: RunOutcome, why: string) => Promise<void>,
  ): Promise<{ skip: boolean; forced: boolean; why: string }> {
    const waitUntil = this.options.clock.now() + max_wait_minutes * 60_000;
    for (;;) {
      const count = await this.count(serverId);
      const empty = count.known && count.players === 0;
      const what = count.known
        ? `${playersText(count.players)} on the server`
        : `player count unknown: ${count.why}`;
      if (empty) return { skip: false, forced: false, why: '' };
      if (when_players === 'force') return { skip: false, forced: true, why: `forced with ${what}` };
      if (when_players === 'skip') return { skip: true, forced: false, why: `skipped: ${what}` };
      if (this.options.clock.now() >= waitUntil)
        return {
          skip: true,
          forced: false,
          why: `skipped: still ${what} after waiting ${max_wait_minutes} min`,
        };
      await report('waiting', `waiting for an empty server: ${what}`);
      await this.sleep(Math.min(this.options.recheckMs, waitUntil - this.options.clock.now()));
    }
  }

  private async count(serverId: number): Promise<PlayerCount> {
    const { supervisor } = this.deps;
    if (!supervisor.countPlayers) return { known: false, why: 'this panel cannot count players' };
    return supervisor
      .countPlayers(serverId)
      .catch((error: unknown) => ({ known: false as const, why: String(error) }));
  }

  /** One task; its line in the run's detail. Throws (failing this server's run) when it cannot be done. */
  private async perform(serverId: number, task: Task): Promise<string> {
    const { db, supervisor } = this.deps;
    switch (task.action) {
      case 'restart':
        await setDesiredState(db, serverId, 'running');
        await supervisor.restart(serverId);
        return 'restarted';
      case 'start':
        await setDesiredState(db, serverId, 'running');
        supervisor.desiredStateChanged(serverId, 'start');
        return 'started';
      case 'stop':
        await setDesiredState(db, serverId, 'stopped');
        supervisor.desiredStateChanged(serverId, 'stop');
        return 'stopped';
      case 'command':
      case 'say': {
        const command = taskCommand(task);
        await supervisor.rcon(serverId, command).catch((error: unknown) => {
          throw new Error(`${task.action}: ${error instanceof Error ? error.message : String(error)}`);
        });
        return task.action === 'say' ? 'said' : `ran ${command.split(' ')[0]}`;
      }
      case 'update':
        return this.update();
    }
  }

  /**
   * Updates the game install (every server of the panel is held while SteamCMD runs, design/install.md)
   * and waits for the job to end; a job already running (another server's task of this run) is joined.
   */
  private async update(): Promise<string> {
    const { install } = this.deps;
    if (!install) throw new Error('update: this panel does not manage the game install');
    let job = await install.start().catch(async (error: unknown) => {
      if (error instanceof JobAlreadyRunning) return (await install.snapshot()).job;
      throw new Error(`update: ${error instanceof Error ? error.message : String(error)}`);
    });
    const jobId = job?.id;
    while (job?.state === 'running') {
      await this.sleep(this.options.installPollMs);
      const latest = (await install.snapshot()).job;
      job = latest?.id === jobId ? latest : job && { ...job, state: 'failed', error: 'the job was replaced' };
    }
    if (!job) throw new Error('update: no job started');
    if (job.state !== 'succeeded')
      throw new Error(`update: the ${job.kind} ${job.state}${job.error ? `: ${job.error}` : ''}`);
    return job.kind === 'install' ? 'installed the game' : 'updated the game';
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.reject(new Stopped('the panel stopped during the run'));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const wake = (error: Error) => {
        cancel();
        this.sleepers.delete(wake);
        reject(error);
      };
      const cancel = this.options.clock.after(ms, () => {
        this.sleepers.delete(wake);
        resolve();
      });
      this.sleepers.add(wake);
    });
  }
}
