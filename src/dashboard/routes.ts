import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/guard.js';
import { listBlueprints } from '../blueprints/blueprints.js';
import type { RouteDeps } from '../deps.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendJsonBytes, sendPage } from '../http/respond.js';
import { EventStreams } from '../http/sse.js';
import { listVisibleServers } from '../servers/access.js';
import { serversJsonBody } from '../servers/json.js';
import { toServer } from '../servers/servers.js';
import { FragmentCache, PageParts } from '../views/fragment-cache.js';
import type { DashboardEvent } from './event-types.js';
import { DashboardHub, type Viewer } from './hub.js';
import { DashboardPage } from './views.js';

/** GET / (the dashboard) and GET /events (one stream for all of the user's servers). */
export function registerDashboardRoutes(
  app: FastifyInstance,
  { database, supervisor, sessions, accessWatch, install }: RouteDeps,
) {
  const { db } = database;
  const streams = new EventStreams(app, 20_000, (request, end) => sessions.hold(request, end));
  // The dashboard's cards, each rendered again when what it shows changes.
  const cards = new FragmentCache();
  const hub = new DashboardHub(supervisor);

  app.get('/', async (request, reply) => {
    const user = currentUser(request);
    const visible = await listVisibleServers(db, user);
    if (wantsJson(request))
      return sendJsonBytes(
        reply,
        serversJsonBody(visible, (id) => supervisor.liveStatus(id)),
      );
    const servers = visible.map((server) => toServer(server, supervisor.liveStatus(server.row.id)));
    const parts = new PageParts(cards);
    const page = DashboardPage({
      ctx: pageContext(request),
      servers: servers.map((server) => ({ server, history: supervisor.playerHistory(server.id) })),
      // Only the first-steps list (no servers yet) asks about blueprints.
      blueprints: servers.length === 0 ? await listBlueprints(db, user) : [],
      // Admins hear when the game is missing or an update is out (design/install.md).
      install: user.role === 'admin' ? await install.snapshot() : null,
      // To the second: a chart's right edge moves 0.07 px a second, and a card can be kept that long.
      now: Math.floor(Date.now() / 1000) * 1000,
      cards: parts,
    });
    return sendPage(request, reply, page, 200, parts);
  });

  /**
   * The state and live events of every server the user may see (as of connecting), so that a page
   * of 100 servers needs one connection. It begins with each server's current state and live facts,
   * so nothing that changed between the page and the stream is missed. Console lines are left out.
   * A server the user stops seeing (a member removed, the server deleted) drops out at once.
   */
  app.get('/events', async (request, reply) => {
    const user = currentUser(request);
    const ids = (await listVisibleServers(db, user)).map(({ row }) => row.id);
    const shown = new Set(ids);
    await streams.serve<DashboardEvent>(request, reply, {
      subscribe: (send) => {
        const viewer: Viewer = send;
        for (const id of ids) hub.join(id, viewer);
        // A server the user no longer sees (a member removed, the server deleted) drops out at once.
        const unwatch = accessWatch.watchAll(user.id, (id, removed) => {
          if (!removed || !shown.delete(id)) return;
          hub.leave(id, viewer);
        });
        return () => {
          unwatch();
          for (const id of shown) hub.leave(id, viewer);
        };
      },
      async snapshot(send) {
        for (const { row } of await listVisibleServers(db, user)) {
          if (!shown.has(row.id)) continue;
          const { actual_state, desired_state, last_error } = row;
          send({ server_id: row.id, type: 'state', actual_state, desired_state, last_error });
          send({ server_id: row.id, type: 'live', live: supervisor.liveStatus(row.id) });
        }
      },
    });
  });
}
