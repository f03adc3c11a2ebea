import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listAddons } from '../addons/library.js';
import { changedFields } from '../audit/detail.js';
import { audited, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import type { AppDeps } from '../deps.js';
import type { AppError } from '../http/errors.js';
import { type IdRequest, routeId } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import {
  createBlueprint,
  deleteBlueprint,
  getBlueprint,
  listBlueprints,
  serversUsingBlueprint,
  updateBlueprint,
} from './blueprints.js';
import { parseBlueprintChange, parseNewBlueprint } from './input.js';
import { blueprintProblems } from './rules.js';
import {
  BlueprintPage,
  BlueprintsPage,
  blueprintFormValues,
  emptyBlueprintForm,
  submittedBlueprintValues,
} from './views.js';

const blueprintId = (request: IdRequest) => routeId(request.params.id, 'blueprint');

export function registerBlueprintRoutes(app: FastifyInstance, { database }: AppDeps) {
  const { db } = database;

  /** The list with its "new blueprint" form, holding the user's input after a failure. */
  const listPage = async (request: FastifyRequest, error?: AppError) =>
    BlueprintsPage({
      ctx: pageContext(request),
      blueprints: await listBlueprints(db, currentUser(request)),
      library: await listAddons(db, currentUser(request)),
      form: error ? submittedBlueprintValues(request.body, emptyBlueprintForm) : emptyBlueprintForm,
      error,
    });

  /** One blueprint with its edit form, holding the user's input after a failure. */
  const detailPage = async (request: IdRequest, error?: AppError) => {
    const blueprint = await getBlueprint(db, currentUser(request), blueprintId(request));
    const saved = blueprintFormValues(blueprint);
    return BlueprintPage({
      ctx: pageContext(request),
      blueprint,
      problems: blueprintProblems(blueprint),
      servers: await serversUsingBlueprint(db, currentUser(request), blueprint.id),
      library: await listAddons(db, currentUser(request)),
      form: error ? submittedBlueprintValues(request.body, saved) : saved,
      error,
    });
  };

  app.get('/blueprints', async (request, reply) => {
    if (wantsJson(request)) return { blueprints: await listBlueprints(db, currentUser(request)) };
    return sendPage(request, reply, await listPage(request));
  });

  app.post(
    '/blueprints',
    audited({ action: 'blueprint.create', target: 'blueprint' }),
    async (request, reply) => {
      request.formOnError = (error) => listPage(request, error);
      const input = parseNewBlueprint(request.body, bodySource(request));
      const id = await createBlueprint(db, currentUser(request), input);
      noteAudit(request, { targetId: id, detail: { ...input } });
      return sendDone(request, reply, {
        status: 201,
        body: { id },
        location: `/blueprints/${id}`,
        notice: 'Blueprint created.',
      });
    },
  );

  app.get<{ Params: { id: string } }>('/blueprints/:id', async (request, reply) => {
    if (wantsJson(request)) return await getBlueprint(db, currentUser(request), blueprintId(request));
    return sendPage(request, reply, await detailPage(request));
  });

  const update = async (request: IdRequest, reply: FastifyReply) => {
    request.formOnError = (error) => detailPage(request, error);
    const change = parseBlueprintChange(request.body, bodySource(request));
    const before = await getBlueprint(db, currentUser(request), blueprintId(request));
    const blueprint = await updateBlueprint(db, currentUser(request), before.id, change);
    noteAudit(request, { detail: { name: blueprint.name, changed: changedFields(before, blueprint) } });
    return sendDone(request, reply, {
      status: 200,
      body: blueprint,
      location: `/blueprints/${blueprint.id}`,
      notice: 'Blueprint saved.',
    });
  };
  const updating = audited({ action: 'blueprint.update', target: 'blueprint' });
  app.post<{ Params: { id: string } }>('/blueprints/:id', updating, update);
  app.patch<{ Params: { id: string } }>('/blueprints/:id', updating, update);

  const remove = async (request: IdRequest, reply: FastifyReply) => {
    request.formOnError = (error) => detailPage(request, error);
    const { name } = await getBlueprint(db, currentUser(request), blueprintId(request));
    await deleteBlueprint(db, currentUser(request), blueprintId(request));
    noteAudit(request, { detail: { name } });
    return sendDone(request, reply, { status: 204, location: '/blueprints', notice: 'Blueprint deleted.' });
  };
  const deleting = audited({ action: 'blueprint.delete', target: 'blueprint' });
  app.post<{ Params: { id: string } }>('/blueprints/:id/delete', deleting, remove);
  app.delete<{ Params: { id: string } }>('/blueprints/:id', deleting, remove);
}
