import { rm } from 'node:fs/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { audited, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import type { SessionUser } from '../auth/sessions.js';
import type { RouteDeps } from '../deps.js';
import { AppError } from '../http/errors.js';
import { type IdRequest, routeId } from '../http/input.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { EventStreams } from '../http/sse.js';
import { parseWorkshopBody } from './input.js';
import { deleteAddon, getAddonRow, listAddons, maySeeAddon, toAddon } from './library.js';
import { SteamApiError } from './steam-api.js';
import { receiveUpload, storeUpload } from './uploads.js';
import { AddonsPage } from './views.js';

const addonId = (request: IdRequest) => routeId(request.params.id, 'addon');

/** A multipart body busboy could not read (cut short, a wrong boundary): the client's fault, a 400. */
function malformedUpload(error: unknown): never {
  const status = (error as { statusCode?: number }).statusCode;
  if (error instanceof AppError || (status !== undefined && status < 500)) throw error;
  throw new AppError(400, 'file: the multipart body is malformed or cut short', {
    file: 'the multipart body is malformed or cut short',
  });
}

/** The library's routes (design/addons.md): list, Workshop, upload, one addon, delete, events. */
export function registerAddonRoutes(app: FastifyInstance, deps: RouteDeps) {
  const { db } = deps.database;
  const { addons, config } = deps;
  const { store, events, workshop } = addons;
  const maxMb = Math.round(config.maxUploadBytes / 1024 / 1024);

  const libraryPage = async (request: FastifyRequest, error?: AppError, workshopValue = '') =>
    AddonsPage({
      ctx: pageContext(request),
      addons: await listAddons(db, currentUser(request)),
      maxUploadMb: maxMb,
      workshop: workshopValue,
      error,
    });

  app.get('/addons', async (request, reply) => {
    if (wantsJson(request)) return { addons: await listAddons(db, currentUser(request)) };
    return sendPage(request, reply, await libraryPage(request));
  });

  app.post('/addons', audited({ action: 'addon.add', target: 'addon' }), async (request, reply) => {
    const typed = (request.body as { workshop?: unknown } | null)?.workshop;
    request.formOnError = (error) => libraryPage(request, error, typeof typed === 'string' ? typed : '');
    const ids = await workshop.add(currentUser(request), parseWorkshopBody(request.body));
    noteAudit(request, { ...(ids.length === 1 && { targetId: ids[0] }), detail: { ids } });
    return sendDone(request, reply, {
      status: 202,
      body: { ids },
      location: '/addons',
      notice: `Added ${ids.length} Workshop item${ids.length === 1 ? '' : 's'}; downloads run in the background.`,
    });
  });

  app.post('/addons/upload', audited({ action: 'addon.upload', target: 'addon' }), async (request, reply) => {
    request.formOnError = (error) => libraryPage(request, error);
    if (!request.isMultipart())
      throw new AppError(415, 'send the file as multipart/form-data, in a field named "file"');
    const part = await request
      .file({ limits: { fileSize: config.maxUploadBytes, files: 1, fields: 5 } })
      .catch(malformedUpload);
    if (part?.fieldname !== 'file') {
      part?.file.resume();
      throw new AppError(400, 'file: is required', { file: 'is required' });
    }
    const received = await receiveUpload(part.file, store).catch(malformedUpload);
    try {
      if (part.file.truncated)
        throw new AppError(413, `file is larger than the upload limit of ${maxMb} MB (MAX_UPLOAD_MB)`);
      const id = await storeUpload(addons, currentUser(request), received, part.filename);
      noteAudit(request, { targetId: id, detail: { filename: part.filename } });
      return sendDone(request, reply, {
        status: 201,
        body: { id },
        location: '/addons',
        notice: 'Addon uploaded.',
      });
    } finally {
      await rm(received.file, { force: true });
    }
  });

  app.post('/addons/refresh', audited({ action: 'addon.refresh' }), async (request, reply) => {
    request.formOnError = (error) => libraryPage(request, error);
    if (currentUser(request).role !== 'admin')
      throw new AppError(403, 'only an admin can check every Workshop item');
    const updating = await workshop.refresh().catch((error: unknown) => {
      if (error instanceof SteamApiError) throw new AppError(502, error.message);
      throw error;
    });
    noteAudit(request, { detail: { updating } });
    return sendDone(request, reply, {
      status: 202,
      body: { updating },
      location: '/addons',
      notice:
        updating.length === 0
          ? 'Every Workshop item is up to date.'
          : `Updating ${updating.length} Workshop items.`,
    });
  });

  const streams = new EventStreams(app, 15_000, (request, end) => deps.sessions.hold(request, end));
  app.get('/addons/events', async (request, reply) => {
    const user: SessionUser = currentUser(request);
    await streams.serve(request, reply, {
      subscribe: (send) =>
        events.subscribe((event) => {
          if (!maySeeAddon(user, event.row)) return;
          if (event.type === 'changed') send({ type: 'addon', payload: toAddon(event.row) });
          else send({ type: 'removed', payload: { id: event.row.id } });
        }),
      async snapshot(send) {
        for (const addon of await listAddons(db, user)) send({ type: 'addon', payload: addon });
      },
    });
  });

  app.get<{ Params: { id: string } }>('/addons/:id', async (request, reply) => {
    const addon = toAddon(await getAddonRow(db, currentUser(request), addonId(request)));
    if (wantsJson(request)) return addon;
    // The library shows every addon; one addon's page is its row there.
    return reply.redirect(`/addons#addon-${addon.id}`, 302);
  });

  const remove = async (request: IdRequest, reply: FastifyReply) => {
    request.formOnError = (error) => libraryPage(request, error);
    await deleteAddon(db, store, events, currentUser(request), addonId(request));
    return sendDone(request, reply, { status: 204, location: '/addons', notice: 'Addon deleted.' });
  };
  const deleting = audited({ action: 'addon.delete', target: 'addon' });
  app.post<{ Params: { id: string } }>('/addons/:id/delete', deleting, remove);
  app.delete<{ Params: { id: string } }>('/addons/:id', deleting, remove);
}
