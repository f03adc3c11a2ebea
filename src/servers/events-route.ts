import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/guard.js';
import type { RouteDeps } from '../deps.js';
import type { IdRequest } from '../http/input.js';
import { EventStreams } from '../http/sse.js';
import type { ServerEvent } from '../supervisor/control.js';
import { recentConsoleLines } from './page-data.js';
import { getServerRow } from './servers.js';

/**
 * GET /servers/:id/events: Server-Sent Events with the server's state changes, live status and console
 * lines. The current state comes first, then the last console lines (as many as the page shows).
 */
export function registerServerEventsRoute(
  app: FastifyInstance,
  { database, supervisor, sessions }: Pick<RouteDeps, 'database' | 'supervisor' | 'sessions'>,
  serverIdOf: (request: IdRequest) => number,
): void {
  const streams = new EventStreams(app, 15_000, (request, end) => sessions.hold(request, end));

  app.get<{ Params: { id: string } }>('/servers/:id/events', async (request, reply) => {
    const { id } = await getServerRow(database.db, currentUser(request), serverIdOf(request));
    await streams.serve<ServerEvent>(request, reply, {
      subscribe: (send) => supervisor.subscribe(id, send),
      async snapshot(send) {
        // Read after subscribing, so a change between the two is not lost (it may come twice).
        const { actual_state, desired_state, last_error } = await getServerRow(
          database.db,
          currentUser(request),
          id,
        );
        send({ type: 'state', actual_state, desired_state, last_error });
        send({ type: 'live', live: supervisor.liveStatus(id) });
        for (const line of await recentConsoleLines(supervisor, id)) send({ type: 'console', line });
      },
    });
  });
}
