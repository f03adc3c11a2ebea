import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/guard.js';
import type { RouteDeps } from '../deps.js';
import { EventStreams } from '../http/sse.js';
import type { ServerEvent } from '../supervisor/control.js';
import { may, serverOf, serverRoute, visibleServer } from './access.js';
import { recentConsoleLines } from './page-data.js';

/**
 * GET /servers/:id/events: Server-Sent Events with the server's state changes, live status and console
 * lines (those only with the `console` permission). The current state comes first, then the last
 * console lines (as many as the page shows). A change of the user's access to the server ends it.
 */
export function registerServerEventsRoute(
  app: FastifyInstance,
  {
    database,
    supervisor,
    sessions,
    accessWatch,
  }: Pick<RouteDeps, 'database' | 'supervisor' | 'sessions' | 'accessWatch'>,
): void {
  const streams = new EventStreams(app, 15_000, (request, end) => sessions.hold(request, end));

  app.get<{ Params: { id: string } }>('/servers/:id/events', serverRoute('view'), async (request, reply) => {
    const user = currentUser(request);
    const server = serverOf(request);
    const { id } = server.row;
    const withConsole = may(server, 'console');
    await streams.serve<ServerEvent>(request, reply, {
      subscribe: (send, end) => {
        const unsubscribe = supervisor.subscribe(id, (event) => {
          if (withConsole || event.type !== 'console') send(event);
        });
        // Removed, or other permissions: this stream ends; a reconnect sees the access as it is then.
        const unwatch = accessWatch.watch(user.id, id, end);
        return () => {
          unwatch();
          unsubscribe();
        };
      },
      async snapshot(send) {
        // Read after subscribing, so a change between the two is not lost (it may come twice).
        const { actual_state, desired_state, last_error } = (await visibleServer(database.db, user, id)).row;
        send({ type: 'state', actual_state, desired_state, last_error });
        send({ type: 'live', live: supervisor.liveStatus(id) });
        if (!withConsole) return;
        for (const line of await recentConsoleLines(supervisor, id)) send({ type: 'console', line });
      },
    });
  });
}
