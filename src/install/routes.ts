import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audited, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import type { RouteDeps } from '../deps.js';
import { AppError, conflict } from '../http/errors.js';
import { parseNoFields } from '../http/input.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { EventStreams } from '../http/sse.js';
import { type InstallControl, type InstallEvent, NotSupervising } from './control.js';
import { NoJobRunning } from './installer.js';
import { JobAlreadyRunning } from './store.js';
import { InstallPage } from './views.js';

/** Lines of the job's log a page shows, and a stream replays when it (re)connects. */
export const LOG_LINES_SHOWN = 300;

/** Installing and updating the game is the admins' business (design/install.md). */
async function adminsOnly(request: FastifyRequest): Promise<void> {
  if (currentUser(request).role !== 'admin') throw new AppError(403, 'admins only');
}

/** The refusals of the Installer, as the contract's 409s. */
async function refusedAs409<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      error instanceof JobAlreadyRunning ||
      error instanceof NoJobRunning ||
      error instanceof NotSupervising
    ) {
      throw conflict(error.message);
    }
    throw error;
  }
}

async function recentLog(install: InstallControl, jobId: number | undefined): Promise<string[]> {
  return jobId === undefined ? [] : install.jobLines(jobId, LOG_LINES_SHOWN);
}

/** GET/POST /install, /install/check, /install/cancel and /install/events. */
export function registerInstallRoutes(app: FastifyInstance, { install, sessions }: RouteDeps) {
  const streams = new EventStreams(app, 15_000, (request, end) => sessions.hold(request, end));
  const page = async (request: FastifyRequest, error?: string) => {
    const snapshot = await install.snapshot();
    return InstallPage({
      ctx: pageContext(request),
      install: snapshot,
      log: await recentLog(install, snapshot.job?.id),
      error,
    });
  };
  /** A refused button shows the page again, with the message. */
  const onError = (request: FastifyRequest) => {
    request.formOnError = (error) => page(request, error.message);
  };
  const admins = { preHandler: adminsOnly };
  /** An admin's button, and what the audit log records for it. */
  const adminAction = (action: string) => ({ ...admins, ...audited({ action, target: 'install' }) });

  app.get('/install', admins, async (request: FastifyRequest, reply: FastifyReply) => {
    if (wantsJson(request)) return install.snapshot();
    return sendPage(request, reply, await page(request));
  });

  app.post('/install', adminAction('install.install'), async (request, reply) => {
    onError(request);
    parseNoFields(request.body);
    const job = await refusedAs409(() => install.start());
    // install.install or install.update, as the job turned out to be.
    noteAudit(request, { action: `install.${job.kind}`, targetId: job.id });
    const notice = job.kind === 'install' ? 'Installing the game.' : 'Updating the game.';
    return sendDone(request, reply, { status: 202, body: job, location: '/install', notice });
  });

  app.post('/install/check', adminAction('install.check'), async (request, reply) => {
    onError(request);
    parseNoFields(request.body);
    const checked = await refusedAs409(() => install.check());
    const notice =
      checked.update_available === null
        ? 'Steam did not say which build is current.'
        : checked.update_available
          ? `Build ${checked.remote_buildid} is available.`
          : 'The game is up to date.';
    return sendDone(request, reply, { status: 200, body: checked, location: '/install', notice });
  });

  app.post('/install/cancel', adminAction('install.cancel'), async (request, reply) => {
    onError(request);
    parseNoFields(request.body);
    const job = await refusedAs409(() => install.cancel());
    noteAudit(request, { targetId: job.id });
    return sendDone(request, reply, {
      status: 202,
      body: job,
      location: '/install',
      notice: 'Job cancelled.',
    });
  });

  /**
   * `install` (the Install JSON) first, then the latest job's recent log lines, then `progress`,
   * `log` and `install` events as they happen.
   */
  app.get('/install/events', admins, async (request, reply) => {
    await streams.serve<InstallEvent>(request, reply, {
      subscribe: (send) => install.subscribe(send),
      async snapshot(send) {
        const snapshot = await install.snapshot();
        send({ type: 'install', ...snapshot });
        const jobId = snapshot.job?.id;
        for (const line of await recentLog(install, jobId)) send({ type: 'log', job_id: jobId ?? 0, line });
      },
    });
  });
}
