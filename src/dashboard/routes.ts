import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/guard.js';
import { listBlueprints } from '../blueprints/blueprints.js';
import type { RouteDeps } from '../deps.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendPage } from '../http/respond.js';
import { EventStreams } from '../http/sse.js';
import { listVisibleServers } from '../servers/access.js';
import { toServer } from '../servers/servers.js';
import type { DashboardEvent } from './event-types.js';
import { DashboardPage } from './views.js';

/** GET / (the dashboard) and GET /events (one stream for all of the user's servers). */
export function registerDashboardRoutes(
  app: FastifyInstance,
  { database, supervisor, sessions, accessWatch, install }: RouteDeps,
) {
  const { db } = database;
  const streams = new EventStreams(app, 20_000, (request, end) => sessions.hold(request, end));

  app.get('/', async (request, reply) => {
    const user = currentUser(request);
    const servers = (await listVisibleServers(db, user)).map((server) =>
      toServer(server, supervisor.liveStatus(server.row.id)),
    );
    if (wantsJson(request)) return { servers };
    const page = DashboardPage({
      ctx: pageContext(request),
      servers: servers.map((server) => ({ server, history: supervisor.playerHistory(server.id) })),
      // Only the first-steps list (no servers yet) asks about blueprints.
      blueprints: servers.length === 0 ? await listBlueprints(db, user) : [],
      // Admins hear when the game is missing or an update is out (design/install.md).
      install: user.role === 'admin' ? await install.snapshot() : null,
      now: Date.now(),
    });
    return sendPage(request, reply, page);
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
        const stops = ids.map((id) => {
          const unsubscribe = supervisor.subscribe(id, (event) => {
            if (event.type !== 'console') send({ server_id: id, ...event });
          });
          const unwatch = accessWatch.watch(user.id, id, (removed) => {
            if (!removed) return;
            shown.delete(id);
            unsubscribe();
          });
          return () => {
            unwatch();
            unsubscribe();
          };
        });
        return () => {
          for (const stop of stops) stop();
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
