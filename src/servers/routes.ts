import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { blueprintMaps } from '../addons/blueprint-addons.js';
import { sourcemodStatus } from '../addons/sourcemod-card.js';
import { changedFields } from '../audit/detail.js';
import { audited, noteAudit } from '../audit/hooks.js';
import { currentUser } from '../auth/guard.js';
import { blueprintOfServer, listBlueprints, ownBlueprints } from '../blueprints/blueprints.js';
import type { RouteDeps } from '../deps.js';
import type { AppError } from '../http/errors.js';
import { type IdRequest, parseNoFields } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { pageContext, sendDone, sendJsonBytes, sendPage } from '../http/respond.js';
import { buildLaunchPlan, displayLaunchLine } from '../launch/plan.js';
import { FragmentCache, PageParts } from '../views/fragment-cache.js';
import { typedText } from '../views/submitted.js';
import {
  type AuthorizedServer,
  listVisibleServers,
  may,
  serverOf,
  serverRoute,
  visibleServer,
} from './access.js';
import { runConsoleCommand } from './console.js';
import { registerServerEventsRoute } from './events-route.js';
import { registerGameRoutes } from './game-routes.js';
import { parseConsoleCommand, parseNewServer, parseServerChange } from './input.js';
import { serverJsonBody, serversJsonBody } from './json.js';
import { listMembers } from './members.js';
import { registerMemberRoutes } from './members-routes.js';
import { serverPageData } from './page-data.js';
import { createServer, deleteServerRow, setDesiredState, toServer, updateServer } from './servers.js';
import { emptyServerForm, serverFormValues, submittedServerValues } from './views/form.js';
import { ServersPage } from './views/list.js';
import { ServerPage } from './views/page.js';
import type { ServerPageFocus } from './views/page-focus.js';

const idRoute = '/servers/:id';
/** What a settings change may change, as the audit log records it. */
const serverFields = ['name', 'port', 'blueprint_id'];

export function registerServerRoutes(app: FastifyInstance, deps: RouteDeps) {
  const { database, supervisor, config, sessions, accessWatch } = deps;
  const { db } = database;
  const serverJson = (server: AuthorizedServer) => toServer(server, supervisor.liveStatus(server.row.id));
  // The servers table's rows, each rendered again when what it shows changes.
  const rows = new FragmentCache();
  const placement = config.runtime === 'swarm';

  /** The servers page; with parts, its rows come from the kept ones (send it with those parts). */
  const listPage = async (request: FastifyRequest, error?: AppError, parts?: PageParts) => {
    const user = currentUser(request);
    return ServersPage({
      ctx: pageContext(request),
      servers: (await listVisibleServers(db, user)).map(serverJson),
      blueprints: await listBlueprints(db, user),
      form: error ? submittedServerValues(request.body, emptyServerForm) : emptyServerForm,
      error,
      rows: parts,
      placement,
    });
  };

  /** The server page as the user may see it now (read afresh: a re-rendered form shows today's row). */
  const detailPage = async (request: IdRequest, error?: AppError, focus: ServerPageFocus = {}) => {
    const user = currentUser(request);
    const authorized = await visibleServer(db, user, serverOf(request).row.id);
    const server = serverJson(authorized);
    const mayChange = may(authorized, 'settings');
    // A member picks among the owner's blueprints; the owner and admins among those they see.
    const blueprints = !mayChange
      ? []
      : authorized.access === 'member'
        ? await ownBlueprints(db, authorized.row.user_id)
        : await listBlueprints(db, user);
    const blueprint = await blueprintOfServer(db, server.blueprint_id);
    // Its name is shown to whoever may open it, and to the server's members when it is the owner's;
    // someone else's blueprint (an admin's) stays a number.
    const opens = user.role === 'admin' || blueprint.user_id === user.id;
    const named = opens || blueprint.user_id === authorized.row.user_id;
    const plan = buildLaunchPlan(server, blueprint, {
      dataDir: config.dataDir,
      srcdsDir: config.srcdsDir,
      rconPassword: '',
    });
    const saved = serverFormValues(server);
    const pageData = await serverPageData({ supervisor, config }, server);
    return ServerPage({
      ctx: pageContext(request),
      server,
      blueprint: { id: blueprint.id, name: named ? blueprint.name : `#${blueprint.id}`, linked: opens },
      blueprints,
      launchLine: displayLaunchLine(plan),
      form:
        error && (focus.section ?? 'settings') === 'settings'
          ? submittedServerValues(request.body, saved)
          : saved,
      error,
      focus,
      placement,
      members: may(authorized, 'members') ? await listMembers(db, server.id) : null,
      ...pageData,
      consoleLines: may(authorized, 'console') ? pageData.consoleLines : [],
      addonMaps: await blueprintMaps(db, blueprint.id),
      // Asked only of a running server that runs SourceMod, for those who may use its console: three
      // RCON commands, one at a time.
      ...(blueprint.sourcemod.enabled &&
        may(authorized, 'console') && {
          sourcemod:
            server.actual_state === 'running'
              ? await sourcemodStatus((command) => runConsoleCommand(supervisor, server.id, command))
              : null,
        }),
    });
  };

  app.get('/servers', async (request, reply) => {
    if (wantsJson(request)) {
      const servers = await listVisibleServers(db, currentUser(request));
      return sendJsonBytes(
        reply,
        serversJsonBody(servers, (id) => supervisor.liveStatus(id)),
      );
    }
    const parts = new PageParts(rows);
    return sendPage(request, reply, await listPage(request, undefined, parts), 200, parts);
  });

  app.post('/servers', audited({ action: 'server.create', target: 'server' }), async (request, reply) => {
    request.formOnError = (error) => listPage(request, error);
    const input = parseNewServer(request.body, bodySource(request));
    const id = await createServer(database, currentUser(request), input);
    noteAudit(request, { targetId: id, detail: { ...input } });
    return sendDone(request, reply, {
      status: 201,
      body: { id },
      location: `/servers/${id}`,
      notice: 'Server created.',
    });
  });

  app.get<{ Params: { id: string } }>(idRoute, serverRoute('view'), async (request, reply) => {
    if (wantsJson(request)) {
      const server = serverOf(request);
      return sendJsonBytes(reply, serverJsonBody(server, supervisor.liveStatus(server.row.id)));
    }
    return sendPage(request, reply, await detailPage(request));
  });

  const update = async (request: IdRequest, reply: FastifyReply) => {
    request.formOnError = (error) => detailPage(request, error);
    const change = parseServerChange(request.body, bodySource(request));
    const server = serverOf(request);
    const row = await updateServer(db, currentUser(request), server, change);
    noteAudit(request, { detail: { name: row.name, changed: changedFields(server.row, row, serverFields) } });
    supervisor.desiredStateChanged(row.id, 'update');
    return sendDone(request, reply, {
      status: 200,
      body: serverJson({ ...server, row }),
      location: `/servers/${row.id}`,
      notice: 'Server saved.',
    });
  };
  const settings = serverRoute('settings', { action: 'server.update' });
  app.post<{ Params: { id: string } }>(idRoute, settings, update);
  app.patch<{ Params: { id: string } }>(idRoute, settings, update);

  /** start / stop / restart: record what the user wants, and wake the supervisor. */
  const control = (action: 'start' | 'stop' | 'restart', notice: string) =>
    app.post<{ Params: { id: string } }>(
      `${idRoute}/${action}`,
      serverRoute(action, { action: `server.${action}` }),
      async (request, reply) => {
        parseNoFields(request.body);
        const server = serverOf(request);
        const { id } = server.row;
        const row = await setDesiredState(db, id, action === 'stop' ? 'stopped' : 'running');
        if (action === 'restart') await supervisor.restart(id);
        else supervisor.desiredStateChanged(id, action);
        return sendDone(request, reply, {
          status: 202,
          body: serverJson({ ...server, row }),
          location: `/servers/${id}`,
          notice,
        });
      },
    );
  control('start', 'Starting the server.');
  control('stop', 'Stopping the server.');
  control('restart', 'Restarting the server.');

  const remove = async (request: IdRequest, reply: FastifyReply) => {
    const { row } = serverOf(request);
    noteAudit(request, { detail: { name: row.name } });
    await supervisor.removeServer(row.id);
    // Its memberships go with it (a foreign key); their streams stop showing it now.
    await deleteServerRow(db, row.id);
    accessWatch.changed(row.id, null, true);
    return sendDone(request, reply, {
      status: 204,
      location: '/servers',
      notice: `Server ${row.name} deleted.`,
    });
  };
  const deleting = serverRoute('delete', { action: 'server.delete' });
  app.post<{ Params: { id: string } }>(`${idRoute}/delete`, deleting, remove);
  app.delete<{ Params: { id: string } }>(idRoute, deleting, remove);

  registerServerEventsRoute(app, { database, supervisor, sessions, accessWatch, config });

  const rcon = serverRoute('console', { action: 'server.rcon' });
  app.post<{ Params: { id: string } }>(`${idRoute}/rcon`, rcon, async (request, reply) => {
    request.formOnError = (error) =>
      detailPage(request, error, { section: 'console', command: typedText(request.body, 'command') });
    const command = parseConsoleCommand(request.body);
    noteAudit(request, { detail: { command } });
    const output = await runConsoleCommand(supervisor, serverOf(request).row.id, command);
    if (wantsJson(request)) return { output };
    return sendPage(
      request,
      reply,
      await detailPage(request, undefined, { section: 'console', command, output }),
    );
  });

  registerMemberRoutes(app, deps, detailPage);
  registerGameRoutes(app, { supervisor }, detailPage);
}
