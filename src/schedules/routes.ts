import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { changedFields } from '../audit/detail.js';
import { audited, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import type { RouteDeps } from '../deps.js';
import type { AppError } from '../http/errors.js';
import { type IdRequest, routeId } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { listVisibleServers, may } from '../servers/access.js';
import { nextRuns } from './cron.js';
import { parseNewSchedule, parsePreview, parseScheduleChange } from './input.js';
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listRuns,
  listSchedules,
  requestRun,
  updateSchedule,
} from './schedules.js';
import { SchedulePage, SchedulesPage, scheduleFormValues, submittedScheduleValues } from './views.js';

const scheduleId = (request: IdRequest) => routeId(request.params.id, 'schedule');

/** Schedules (design/operations.md): their owner's, every one for an admin; others' are 404. */
export function registerScheduleRoutes(app: FastifyInstance, { database }: RouteDeps) {
  const { db } = database;

  /** The servers a schedule may name: those the user may at least restart. */
  const controllable = async (request: FastifyRequest) =>
    (await listVisibleServers(db, currentUser(request)))
      .filter((server) => may(server, 'restart'))
      .map(({ row }) => ({ id: row.id, name: row.name }));

  const listPage = async (request: FastifyRequest, error?: AppError) =>
    SchedulesPage({
      ctx: pageContext(request),
      schedules: await listSchedules(db, currentUser(request)),
      servers: await controllable(request),
      form: submittedScheduleValues(error ? request.body : undefined),
      error,
    });

  const detailPage = async (request: IdRequest, error?: AppError) => {
    const schedule = await getSchedule(db, currentUser(request), scheduleId(request));
    return SchedulePage({
      ctx: pageContext(request),
      schedule,
      runs: await listRuns(db, currentUser(request), schedule.id),
      servers: await controllable(request),
      form: error
        ? submittedScheduleValues(request.body, scheduleFormValues(schedule))
        : scheduleFormValues(schedule),
      error,
    });
  };

  app.get('/schedules', async (request, reply) => {
    if (wantsJson(request)) return { schedules: await listSchedules(db, currentUser(request)) };
    return sendPage(request, reply, await listPage(request));
  });

  app.post(
    '/schedules',
    audited({ action: 'schedule.create', target: 'schedule' }),
    async (request, reply) => {
      request.formOnError = (error) => listPage(request, error);
      const input = parseNewSchedule(request.body, bodySource(request));
      const id = await createSchedule(db, currentUser(request), input);
      noteAudit(request, { targetId: id, detail: { ...input } });
      return sendDone(request, reply, {
        status: 201,
        body: { id },
        location: `/schedules/${id}`,
        notice: `Schedule ${input.name} created.`,
      });
    },
  );

  // The next runs of a cron as typed (the form shows them as you type).
  app.get('/schedules/preview', async (request) => {
    const { cron, timezone } = parsePreview(request.query);
    return { next_runs: nextRuns(cron, timezone, 3, new Date()).map((at) => at.toISOString()) };
  });

  app.get<{ Params: { id: string } }>('/schedules/:id', async (request, reply) => {
    if (wantsJson(request)) return getSchedule(db, currentUser(request), scheduleId(request));
    return sendPage(request, reply, await detailPage(request));
  });

  const update = async (request: IdRequest, reply: FastifyReply) => {
    request.formOnError = (error) => detailPage(request, error);
    const change = parseScheduleChange(request.body, bodySource(request));
    const before = await getSchedule(db, currentUser(request), scheduleId(request));
    const schedule = await updateSchedule(db, currentUser(request), before.id, change);
    const { next_runs: _before, ...was } = before;
    const { next_runs: _after, ...is } = schedule;
    noteAudit(request, { detail: { name: schedule.name, changed: changedFields(was, is) } });
    return sendDone(request, reply, {
      status: 200,
      body: schedule,
      location: `/schedules/${schedule.id}`,
      notice: 'Schedule saved.',
    });
  };
  const updating = audited({ action: 'schedule.update', target: 'schedule' });
  app.patch<{ Params: { id: string } }>('/schedules/:id', updating, update);
  app.post<{ Params: { id: string } }>('/schedules/:id', updating, update);

  const remove = async (request: IdRequest, reply: FastifyReply) => {
    const name = await deleteSchedule(db, currentUser(request), scheduleId(request));
    noteAudit(request, { detail: { name } });
    return sendDone(request, reply, {
      status: 204,
      location: '/schedules',
      notice: `Schedule ${name} deleted.`,
    });
  };
  const deleting = audited({ action: 'schedule.delete', target: 'schedule' });
  app.delete<{ Params: { id: string } }>('/schedules/:id', deleting, remove);
  app.post<{ Params: { id: string } }>('/schedules/:id/delete', deleting, remove);

  const runNow = audited({ action: 'schedule.run', target: 'schedule' });
  app.post<{ Params: { id: string } }>('/schedules/:id/run', runNow, async (request, reply) => {
    request.formOnError = (error) => detailPage(request, error);
    const id = scheduleId(request);
    const runId = await requestRun(db, currentUser(request), id);
    noteAudit(request, { detail: { run_id: runId } });
    return sendDone(request, reply, {
      status: 202,
      body: { id: runId },
      location: `/schedules/${id}`,
      notice: 'Running now: the run shows below.',
    });
  });

  app.get<{ Params: { id: string } }>('/schedules/:id/runs', async (request) => ({
    runs: await listRuns(db, currentUser(request), scheduleId(request)),
  }));
}
