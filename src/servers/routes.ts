import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { blueprintMaps } from '../addons/blueprint-addons.js';
import { sourcemodStatus } from '../addons/sourcemod-card.js';
import { currentUser } from '../auth/guard.js';
import { blueprintOfServer, listBlueprints } from '../blueprints/blueprints.js';
import type { ServerRow } from '../db/schema.js';
import type { RouteDeps } from '../deps.js';
import type { AppError } from '../http/errors.js';
import { type IdRequest, routeId } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendPage } from '../http/respond.js';
import { buildLaunchPlan, displayLaunchLine } from '../launch/plan.js';
import { typedText } from '../views/submitted.js';
import { runConsoleCommand } from './console.js';
import { registerServerEventsRoute } from './events-route.js';
import { registerGameRoutes } from './game-routes.js';
import { parseConsoleCommand, parseNewServer, parseNoFields, parseServerChange } from './input.js';
import { serverPageData } from './page-data.js';
import {
  createServer,
  deleteServerRow,
  getServerRow,
  listServerRows,
  setDesiredState,
  toServer,
  updateServer,
} from './servers.js';
import { emptyServerForm, serverFormValues, submittedServerValues } from './views/form.js';
import { ServersPage } from './views/list.js';
import { ServerPage } from './views/page.js';
import type { ServerPageFocus } from './views/page-focus.js';

const idRoute = '/servers/:id';

const serverId = (request: IdRequest) => routeId(request.params.id, 'server');

export function registerServerRoutes(
  app: FastifyInstance,
  { database, supervisor, config, sessions }: RouteDeps,
) {
  const { db } = database;
  const serverJson = (row: ServerRow) => toServer(row, supervisor.liveStatus(row.id));

  const listPage = async (request: FastifyRequest, error?: AppError) => {
    const user = currentUser(request);
    return ServersPage({
      ctx: pageContext(request),
      servers: (await listServerRows(db, user)).map(serverJson),
      blueprints: await listBlueprints(db, user),
      form: error ? submittedServerValues(request.body, emptyServerForm) : emptyServerForm,
      error,
    });
  };

  const detailPage = async (request: IdRequest, error?: AppError, focus: ServerPageFocus = {}) => {
    const user = currentUser(request);
    const server = serverJson(await getServerRow(db, user, serverId(request)));
    const blueprints = await listBlueprints(db, user);
    const blueprint =
      blueprints.find((b) => b.id === server.blueprint_id) ??
      (await blueprintOfServer(db, server.blueprint_id));
    const plan = buildLaunchPlan(server, blueprint, {
      dataDir: config.dataDir,
      srcdsDir: config.srcdsDir,
      rconPassword: '',
    });
    const saved = serverFormValues(server);
    return ServerPage({
      ctx: pageContext(request),
      server,
      blueprints,
      launchLine: displayLaunchLine(plan),
      form:
        error && (focus.section ?? 'settings') === 'settings'
          ? submittedServerValues(request.body, saved)
          : saved,
      error,
      focus,
      ...(await serverPageData({ supervisor }, server)),
      addonMaps: await blueprintMaps(db, blueprint.id),
      // Asked only of a running server that runs SourceMod: three RCON commands, one at a time.
      ...(blueprint.sourcemod.enabled && {
        sourcemod:
          server.actual_state === 'running'
            ? await sourcemodStatus((command) => runConsoleCommand(supervisor, server.id, command))
            : null,
      }),
    });
  };

  app.get('/servers', async (request, reply) => {
    if (wantsJson(request))
      return { servers: (await listServerRows(db, currentUser(request))).map(serverJson) };
    return sendPage(request, reply, await listPage(request));
  });

  app.post('/servers', async (request, reply) => {
    request.formOnError = (error) => listPage(request, error);
    const id = await createServer(
      db,
      currentUser(request),
      parseNewServer(request.body, bodySource(request)),
    );
    return sendDone(request, reply, {
      status: 201,
      body: { id },
      location: `/servers/${id}`,
      notice: 'Server created.',
    });
  });

  app.get<{ Params: { id: string } }>(idRoute, async (request, reply) => {
    if (wantsJson(request))
      return serverJson(await getServerRow(db, currentUser(request), serverId(request)));
    return sendPage(request, reply, await detailPage(request));
  });

  const update = async (request: IdRequest, reply: FastifyReply) => {
    request.formOnError = (error) => detailPage(request, error);
    const change = parseServerChange(request.body, bodySource(request));
    const row = await updateServer(db, currentUser(request), serverId(request), change);
    supervisor.desiredStateChanged(row.id, 'update');
    return sendDone(request, reply, {
      status: 200,
      body: serverJson(row),
      location: `/servers/${row.id}`,
      notice: 'Server saved.',
    });
  };
  app.post<{ Params: { id: string } }>(idRoute, update);
  app.patch<{ Params: { id: string } }>(idRoute, update);

  /** start / stop / restart: record what the owner wants, and wake the supervisor. */
  const control = (action: 'start' | 'stop' | 'restart', notice: string) =>
    app.post<{ Params: { id: string } }>(`${idRoute}/${action}`, async (request, reply) => {
      parseNoFields(request.body);
      const id = serverId(request);
      const row = await setDesiredState(
        db,
        currentUser(request),
        id,
        action === 'stop' ? 'stopped' : 'running',
      );
      if (action === 'restart') await supervisor.restart(id);
      else supervisor.desiredStateChanged(id, action);
      return sendDone(request, reply, {
        status: 202,
        body: serverJson(row),
        location: `/servers/${id}`,
        notice,
      });
    });
  control('start', 'Starting the server.');
  control('stop', 'Stopping the server.');
  control('restart', 'Restarting the server.');

  const remove = async (request: IdRequest, reply: FastifyReply) => {
    const row = await getServerRow(db, currentUser(request), serverId(request));
    await supervisor.removeServer(row.id);
    await deleteServerRow(db, row.id);
    return sendDone(request, reply, {
      status: 204,
      location: '/servers',
      notice: `Server ${row.name} deleted.`,
    });
  };
  app.post<{ Params: { id: string } }>(`${idRoute}/delete`, remove);
  app.delete<{ Params: { id: string } }>(idRoute, remove);

  registerServerEventsRoute(app, { database, supervisor, sessions }, serverId);

  app.post<{ Params: { id: string } }>(`${idRoute}/rcon`, async (request, reply) => {
    request.formOnError = (error) =>
      detailPage(request, error, { section: 'console', command: typedText(request.body, 'command') });
    const row = await getServerRow(db, currentUser(request), serverId(request));
    const command = parseConsoleCommand(request.body);
    const output = await runConsoleCommand(supervisor, row.id, command);
    if (wantsJson(request)) return { output };
    return sendPage(
      request,
      reply,
      await detailPage(request, undefined, { section: 'console', command, output }),
    );
  });

  registerGameRoutes(app, { database, supervisor }, { serverId, detailPage });
}
