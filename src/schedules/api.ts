import { z } from 'zod';
import { runOutcomes } from '../db/schema.js';
import {
  formTwin,
  idJson,
  invalidInput,
  notFoundAnswer,
  type Operation,
  type Operations,
  sameAs,
  timestamp,
} from '../http/operation.js';
import { playerPolicies, previewSchema, scheduleSchema, type Task, taskActions } from './input.js';
import type { Run, Schedule } from './schedules.js';

const taskJson = sameAs<Task>()(
  z.object({
    action: z.enum(taskActions),
    offset_seconds: z.number().int().meta({ description: '0-3600, from when the server’s tasks begin' }),
    command: z
      .string()
      .optional()
      .meta({ description: 'For command (a console command) and say (the message)' }),
  }),
);

const scheduleJson = sameAs<Schedule>()(
  z
    .object({
      id: z.number().int(),
      name: z.string(),
      cron: z.string().meta({ description: '5 fields, or 6 with seconds first' }),
      timezone: z.string().meta({ description: 'An IANA time zone' }),
      server_ids: z.array(z.number().int()),
      tasks: z.array(taskJson),
      when_players: z.enum(playerPolicies),
      max_wait_minutes: z.number().int(),
      enabled: z.boolean(),
      next_runs: z.array(timestamp).meta({ description: 'The next 3 runs (UTC); none while disabled' }),
    })
    .meta({ title: 'Schedule' }),
);

const runJson = sameAs<Run>()(
  z
    .object({
      id: z.number().int(),
      scheduled_for: timestamp,
      started_at: timestamp.nullable(),
      finished_at: timestamp.nullable(),
      outcome: z.enum(runOutcomes),
      detail: z
        .array(z.object({ server_id: z.number().int(), outcome: z.enum(runOutcomes), why: z.string() }))
        .meta({ description: 'Per server: what happened and why' }),
    })
    .meta({ title: 'Run' }),
);

const notFound = notFoundAnswer('schedule');

const changeSchedule: Operation = {
  tag: 'schedules',
  summary: 'Change a schedule (any subset of its fields)',
  body: { json: scheduleSchema('json').partial() },
  responses: {
    200: { description: 'The changed schedule', schema: scheduleJson },
    400: invalidInput,
    404: notFound,
  },
};

const deleteSchedule: Operation = {
  tag: 'schedules',
  summary: 'Delete a schedule and its runs',
  responses: { 204: { description: 'Deleted' }, 404: notFound },
};

/** The schedule routes, for the OpenAPI document. */
export const scheduleOperations: Operations = {
  'GET /schedules': {
    tag: 'schedules',
    summary: 'Your schedules (every one for an admin)',
    responses: {
      200: { description: 'The schedules', schema: z.object({ schedules: z.array(scheduleJson) }) },
    },
  },
  'POST /schedules': {
    tag: 'schedules',
    summary: 'Create a schedule',
    description:
      '`server_ids`: servers you may control (others: 400 "server N not found"). In forms, tasks come as rows (`task_action`, `task_offset`, `task_command`, repeated) or `tasks` as JSON text.',
    body: { json: scheduleSchema('json'), form: scheduleSchema('form') },
    responses: { 201: { description: 'Created', schema: idJson }, 400: invalidInput },
  },
  'GET /schedules/preview': {
    tag: 'schedules',
    summary: 'The next 3 runs of a cron expression in a time zone (as the form is typed)',
    query: previewSchema,
    responses: {
      200: { description: 'The next runs', schema: z.object({ next_runs: z.array(timestamp) }) },
      400: invalidInput,
    },
  },
  'GET /schedules/:id': {
    tag: 'schedules',
    summary: 'One schedule',
    responses: { 200: { description: 'The schedule', schema: scheduleJson }, 404: notFound },
  },
  'PATCH /schedules/:id': changeSchedule,
  'POST /schedules/:id': formTwin(
    changeSchedule,
    'Change a schedule (the HTML form; same as PATCH)',
    scheduleSchema('form').partial(),
  ),
  'DELETE /schedules/:id': deleteSchedule,
  'POST /schedules/:id/delete': formTwin(deleteSchedule, 'Delete a schedule (the HTML form; same as DELETE)'),
  'POST /schedules/:id/run': {
    tag: 'schedules',
    summary: 'Run now, with the same player policy',
    description: 'The supervising panel picks the run up within a second; GET /schedules/:id/runs shows it.',
    responses: {
      202: { description: 'Asked for: the id of the run', schema: idJson },
      404: notFound,
    },
  },
  'GET /schedules/:id/runs': {
    tag: 'schedules',
    summary: 'The runs of a schedule, newest first (the latest 100)',
    responses: {
      200: { description: 'The runs', schema: z.object({ runs: z.array(runJson) }) },
      404: notFound,
    },
  },
};
