import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { currentUser } from '../auth/guard.js';
import { listBlueprints } from '../blueprints/blueprints.js';
import { wantsJson } from '../http/negotiate.js';
import { pageContext, sendPage } from '../http/respond.js';
import { listServerRows, toServer } from '../servers/servers.js';
import type { DashboardEvent } from './event-types.js';
import { playerHistory } from './server-page-data.js';
import { EventStreams, type SendEvent } from './sse.js';
import { DashboardPage } from './views.js';

/** GET / (the dashboard) and GET /events (one stream for all of the user's servers). */
export function registerDashboardRoutes(app: FastifyInstance, { database, supervisor }: AppDeps) {
  const { db } = database;
  const streams = new EventStreams(app);

  app.get('/', async (request, reply) => {
    const user = currentUser(request);
    const servers = (await listServerRows(db, user)).map((row) =>
      toServer(row, supervisor.liveStatus(row.id)),
    );
    if (wantsJson(request)) return { servers };
    const page = DashboardPage({
      ctx: pageContext(request),
      servers: servers.map((server) => ({ server, history: playerHistory(supervisor, server.id) })),
      blueprints: await listBlueprints(db, user),
      now: Date.now(),
    });
    return sendPage(request, reply, page);
  });

  /**
   * The state and live events of every server the user may see (as of connecting), so that a page
   * of 100 servers needs one connection. It begins with each server's current state and live facts,
   * so nothing that changed between the page and the stream is missed. Console lines are left out.
   */
  app.get('/events', async (request, reply) => {
    const user = currentUser(request);
    const ids = (await listServerRows(db, user)).map((row) => row.id);
    let send: SendEvent<DashboardEvent> = () => {};
    // Listen first, then take the snapshot; what arrives in between is sent after it, in order.
    let early: DashboardEvent[] | null = [];
    streams.serve<DashboardEvent>(reply, (sendEvent) => {
      send = sendEvent;
      const unsubscribe = ids.map((id) =>
        supervisor.subscribe(id, (event) => {
          if (event.type === 'console') return;
          if (early) early.push({ server_id: id, ...event });
          else send({ server_id: id, ...event });
        }),
      );
      return () => {
        for (const stop of unsubscribe) stop();
      };
    });
    const wanted = new Set(ids);
    try {
      for (const row of await listServerRows(db, user)) {
        if (!wanted.has(row.id)) continue;
        const { actual_state, desired_state, last_error } = row;
        send({ server_id: row.id, type: 'state', actual_state, desired_state, last_error });
        send({ server_id: row.id, type: 'live', live: supervisor.liveStatus(row.id) });
      }
    } catch (error) {
      // The stream is already open: end it, and let the browser reconnect.
      request.log.error(error);
      reply.raw.end();
      return;
    }
    for (const event of early) send(event);
    early = null;
  });
}
