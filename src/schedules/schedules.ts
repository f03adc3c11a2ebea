import type { Kysely } from 'kysely';
import { ownerScope } from '../auth/ownership.js';
import type { SessionUser } from '../auth/sessions.js';
import { uniqueViolation } from '../db/constraint-violation.js';
import type { Database, RunOutcome } from '../db/schema.js';
import { AppError, notFound } from '../http/errors.js';
import { may, type ServerAction, visibleServer } from '../servers/access.js';
import { nextRuns } from './cron.js';
import type { ScheduleInput, Task, TaskAction } from './input.js';

/** A schedule as the JSON API shows it (design/operations.md): what it is made of, with its id and next runs. */
export interface Schedule extends ScheduleInput {
  id: number;
  /** The next 3 times it runs, ISO 8601 UTC (none while disabled). */
  next_runs: string[];
}

/** One server's part of a run: what happened and why. */
export interface ServerOutcome {
  server_id: number;
  outcome: RunOutcome;
  why: string;
}

/** One run as the JSON API shows it. */
export interface Run {
  id: number;
  scheduled_for: string;
  started_at: string | null;
  finished_at: string | null;
  outcome: RunOutcome;
  detail: ServerOutcome[];
}

/** What a task needs of the server (src/servers/access.ts); `update` is the admin's, checked apart. */
export const taskNeeds: Record<TaskAction, ServerAction | 'admin'> = {
  restart: 'restart',
  start: 'start',
  stop: 'stop',
  command: 'console',
  say: 'console',
  update: 'admin',
};

/** Why the user may not run these tasks on this server, or null: the same rule at saving and at running. */
export async function serverRefusal(
  db: Kysely<Database>,
  user: SessionUser,
  serverId: number,
  tasks: readonly Task[],
): Promise<string | null> {
  const server = await visibleServer(db, user, serverId).catch(() => null);
  if (!server) return `server ${serverId} not found`;
  const refused = tasks.find((task) => {
    const needs = taskNeeds[task.action];
    return needs === 'admin' ? user.role !== 'admin' : !may(server, needs);
  });
  if (!refused) return null;
  // A server the user sees but may not control this way reads as one they cannot see (the contract's 400).
  return refused.action === 'update'
    ? 'update: only admins may update the game install'
    : `server ${serverId} not found`;
}

/** Refuses a schedule whose servers or tasks the user may not run (400 naming the field). */
async function checkRunnable(db: Kysely<Database>, user: SessionUser, serverIds: number[], tasks: Task[]) {
  if (user.role !== 'admin' && tasks.some((task) => task.action === 'update'))
    throw new AppError(400, 'tasks: update is for admins', { tasks: 'update is for admins' });
  if (serverIds.length === 0)
    throw new AppError(400, 'server_ids: must name at least one server', {
      server_ids: 'must name at least one server',
    });
  for (const id of serverIds) {
    const refusal = await serverRefusal(db, user, id, tasks);
    if (refusal) throw new AppError(400, refusal, { server_ids: refusal });
  }
}

type ScheduleRow = Awaited<ReturnType<typeof scheduleRows>>[number];

function scheduleRows(db: Kysely<Database>, user: SessionUser | null) {
  const owner = user && ownerScope(user);
  return db
    .selectFrom('schedules')
    .selectAll()
    .$if(owner !== null && owner !== undefined, (query) => query.where('user_id', '=', owner as number))
    .orderBy('name')
    .orderBy('id')
    .execute();
}

async function serverIdsOf(db: Kysely<Database>, scheduleIds: number[]): Promise<Map<number, number[]>> {
  const ids = new Map<number, number[]>(scheduleIds.map((id) => [id, []]));
  if (scheduleIds.length === 0) return ids;
  const rows = await db
    .selectFrom('schedule_servers')
    .select(['schedule_id', 'server_id'])
    .where('schedule_id', 'in', scheduleIds)
    .orderBy('server_id')
    .execute();
  for (const row of rows) ids.get(row.schedule_id)?.push(row.server_id);
  return ids;
}

function toSchedule(row: ScheduleRow, serverIds: number[], now: Date): Schedule {
  const enabled = row.enabled === 1;
  return {
    id: row.id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    server_ids: serverIds,
    tasks: JSON.parse(row.tasks) as Task[],
    when_players: row.when_players,
    max_wait_minutes: row.max_wait_minutes,
    enabled,
    next_runs: enabled ? nextRuns(row.cron, row.timezone, 3, now).map((at) => at.toISOString()) : [],
  };
}

/** The schedules the user may see (their own; every one for an admin), by name. */
export async function listSchedules(
  db: Kysely<Database>,
  user: SessionUser,
  now = new Date(),
): Promise<Schedule[]> {
  const rows = await scheduleRows(db, user);
  const servers = await serverIdsOf(
    db,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toSchedule(row, servers.get(row.id) ?? [], now));
}

/** A schedule row the user may see, else 404 (another user's is not found, exactly as a missing one). */
export async function scheduleRow(db: Kysely<Database>, user: SessionUser | null, id: number) {
  const owner = user && ownerScope(user);
  const row = await db
    .selectFrom('schedules')
    .selectAll()
    .where('id', '=', id)
    .$if(owner !== null && owner !== undefined, (query) => query.where('user_id', '=', owner as number))
    .executeTakeFirst();
  if (!row) throw notFound('schedule');
  return row;
}

export async function getSchedule(db: Kysely<Database>, user: SessionUser, id: number, now = new Date()) {
  const row = await scheduleRow(db, user, id);
  return toSchedule(row, (await serverIdsOf(db, [id])).get(id) ?? [], now);
}

export async function createSchedule(
  db: Kysely<Database>,
  user: SessionUser,
  input: ScheduleInput,
  now = new Date(),
): Promise<number> {
  await checkRunnable(db, user, input.server_ids, input.tasks);
  const at = now.toISOString();
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('schedules')
      .values({
        user_id: user.id,
        name: input.name,
        cron: input.cron,
        timezone: input.timezone,
        tasks: JSON.stringify(input.tasks),
        when_players: input.when_players,
        max_wait_minutes: input.max_wait_minutes,
        enabled: input.enabled ? 1 : 0,
        // Runs due from now on: none before it counts as missed.
        checked_until: at,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await setServers(trx, id, input.server_ids);
    return id;
  });
}

async function setServers(db: Kysely<Database>, scheduleId: number, serverIds: number[]) {
  await db.deleteFrom('schedule_servers').where('schedule_id', '=', scheduleId).execute();
  if (serverIds.length > 0)
    await db
      .insertInto('schedule_servers')
      .values(serverIds.map((server_id) => ({ schedule_id: scheduleId, server_id })))
      .execute();
}

/** Applies a change (any subset of the fields); the servers and tasks are checked as at creation. */
export async function updateSchedule(
  db: Kysely<Database>,
  user: SessionUser,
  id: number,
  change: Partial<ScheduleInput>,
  now = new Date(),
): Promise<Schedule> {
  const before = await getSchedule(db, user, id, now);
  if (change.server_ids !== undefined || change.tasks !== undefined)
    await checkRunnable(db, user, change.server_ids ?? before.server_ids, change.tasks ?? before.tasks);
  // A new time, or a schedule switched back on, counts from now: nothing before it is "missed".
  const recount =
    (change.cron !== undefined && change.cron !== before.cron) ||
    (change.timezone !== undefined && change.timezone !== before.timezone) ||
    (change.enabled === true && !before.enabled);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('schedules')
      .set({
        ...(change.name !== undefined && { name: change.name }),
        ...(change.cron !== undefined && { cron: change.cron }),
        ...(change.timezone !== undefined && { timezone: change.timezone }),
        ...(change.tasks !== undefined && { tasks: JSON.stringify(change.tasks) }),
        ...(change.when_players !== undefined && { when_players: change.when_players }),
        ...(change.max_wait_minutes !== undefined && { max_wait_minutes: change.max_wait_minutes }),
        ...(change.enabled !== undefined && { enabled: change.enabled ? 1 : 0 }),
        ...(recount && { checked_until: now.toISOString() }),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .execute();
    if (change.server_ids !== undefined) await setServers(trx, id, change.server_ids);
  });
  return getSchedule(db, user, id, now);
}

export async function deleteSchedule(db: Kysely<Database>, user: SessionUser, id: number): Promise<string> {
  const { name } = await scheduleRow(db, user, id);
  await db.deleteFrom('schedules').where('id', '=', id).execute();
  return name;
}

/** Asks for a run now: a run row the supervising panel's runner picks up (POST /schedules/:id/run). */
export async function requestRun(db: Kysely<Database>, user: SessionUser, id: number, now = new Date()) {
  await scheduleRow(db, user, id);
  // Unique per schedule with the scheduled runs: a run-now takes the next free millisecond.
  for (let at = now.getTime(); ; at++) {
    try {
      const { id: runId } = await db
        .insertInto('schedule_runs')
        .values({
          schedule_id: id,
          scheduled_for: new Date(at).toISOString(),
          manual: 1,
          started_at: null,
          finished_at: null,
          outcome: 'waiting',
          detail: '[]',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return runId;
    } catch (error) {
      if (uniqueViolation(error) !== 'schedule_runs_claim_unique' || at - now.getTime() > 100) throw error;
    }
  }
}

export function toRun(row: {
  id: number;
  scheduled_for: string;
  started_at: string | null;
  finished_at: string | null;
  outcome: RunOutcome;
  detail: string;
}): Run {
  const { id, scheduled_for, started_at, finished_at, outcome } = row;
  return {
    id,
    scheduled_for,
    started_at,
    finished_at,
    outcome,
    detail: JSON.parse(row.detail) as ServerOutcome[],
  };
}

/** A schedule's runs, newest first (the latest 100). */
export async function listRuns(db: Kysely<Database>, user: SessionUser, id: number): Promise<Run[]> {
  await scheduleRow(db, user, id);
  const rows = await db
    .selectFrom('schedule_runs')
    .selectAll()
    .where('schedule_id', '=', id)
    .orderBy('scheduled_for', 'desc')
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
  return rows.map(toRun);
}

/** Runs kept per schedule: a 6-field cron every second would otherwise add 86,400 rows a day. */
export const RUNS_KEPT = 1_000;

/** Deletes each schedule's runs beyond its latest `keep` (the hourly sweep, src/panel.ts). */
export async function pruneRuns(db: Kysely<Database>, keep = RUNS_KEPT): Promise<void> {
  const schedules = await db.selectFrom('schedules').select('id').execute();
  for (const { id } of schedules) {
    const oldestKept = await db
      .selectFrom('schedule_runs')
      .select('id')
      .where('schedule_id', '=', id)
      .orderBy('id', 'desc')
      .offset(keep - 1)
      .limit(1)
      .executeTakeFirst();
    if (oldestKept)
      await db
        .deleteFrom('schedule_runs')
        .where('schedule_id', '=', id)
        .where('id', '<', oldestKept.id)
        .execute();
  }
}
