import { z } from 'zod';
import { eventStream, failure, type Operations, sameAs, timestamp } from '../http/operation.js';
import type { Install, Job } from './control.js';
import { jobPhases } from './progress.js';

export const jobJson = sameAs<Job>()(
  z
    .object({
      id: z.number().int(),
      kind: z.enum(['install', 'update']),
      state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
      phase: z.enum(jobPhases),
      percent: z.number().meta({ description: '0-100, of the current phase' }),
      bytes_done: z.number().int(),
      bytes_total: z.number().int(),
      attempts: z
        .number()
        .int()
        .meta({ description: 'SteamCMD runs (network retries and the bootstrap count)' }),
      error: z.string().meta({ description: "'' when none" }),
      started_at: timestamp,
      finished_at: timestamp.nullable(),
    })
    .meta({ title: 'Job', description: 'An install or update job; jobs and their logs are kept' }),
);

export const installJson = sameAs<Install>()(
  z
    .object({
      state: z.enum(['missing', 'installed', 'installing', 'updating', 'failed']),
      path: z.string().meta({ description: 'SRCDS_DIR' }),
      buildid: z.string().nullable().meta({ description: 'From steamapps/appmanifest_222860.acf' }),
      remote_buildid: z.string().nullable().meta({ description: "Steam's public build at the last check" }),
      update_available: z.boolean().nullable().meta({ description: 'null when unknown, never false then' }),
      checked_at: timestamp.nullable(),
      job: jobJson.nullable().meta({ description: 'The latest job' }),
    })
    .meta({ title: 'Install' }),
);

const adminsOnly = { 403: failure('admins only') };

/** Installing and updating the game (design/install.md), for the OpenAPI document. */
export const installOperations: Operations = {
  'GET /install': {
    tag: 'install',
    summary: "The game's install: state, builds, the latest job (admins only)",
    responses: { 200: { description: 'The install', schema: installJson }, ...adminsOnly },
  },
  'POST /install': {
    tag: 'install',
    summary: 'Install the game when missing, else update and validate it (admins only)',
    responses: {
      202: { description: 'The job, running', schema: jobJson },
      ...adminsOnly,
      409: failure('an install job is already running'),
    },
  },
  'POST /install/check': {
    tag: 'install',
    summary: 'Ask Steam for the current build (admins only)',
    responses: { 200: { description: 'The install, after the check', schema: installJson }, ...adminsOnly },
  },
  'POST /install/cancel': {
    tag: 'install',
    summary: "Cancel the running job: SteamCMD's process group is ended (admins only)",
    responses: {
      202: { description: 'The job, cancelled', schema: jobJson },
      ...adminsOnly,
      409: failure('no install job is running'),
    },
  },
  'GET /install/events': {
    tag: 'install',
    summary: 'The install as it changes (admins only)',
    responses: {
      200: eventStream(
        "`install` {Install} first, then the latest job's recent `log` {job_id, line} lines; then `progress` " +
          '{job_id, phase, percent, bytes_done, bytes_total}, `log` and `install` as they happen',
      ),
      ...adminsOnly,
    },
  },
};
