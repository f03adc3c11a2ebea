import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth/guard.js';
import type { RouteDeps } from '../deps.js';
import { EventStreams } from '../http/sse.js';
import type { ServerEvent } from '../supervisor/control.js';
import { may, serverOf, serverRoute, visibleServer } from './access.js';
import { recentConsoleLines, serverUsage } from './page-data.js';
import { usageText } from './views/status.js';

/** How often a stream sends the CPU and memory of a server in a container. */
export const USAGE_INTERVAL_MS = 5_000;

/**
 * GET /servers/:id/events: Server-Sent Events with the server's state changes, live status and console
 * lines (those only with the `console` permission). The current state comes first, then the last
 * console lines (as many as the page shows). Under the docker and swarm runtimes, its CPU and memory
 * too, every USAGE_INTERVAL_MS. A change of the user's access to the server ends it.
 */
export function registerServerEventsRoute(
  app: FastifyInstance,
  deps: Pick<RouteDeps, 'database' | 'supervisor' | 'sessions' | 'accessWatch' | 'config'>,
): void {
  const { database, supervisor, sessions, accessWatch } = deps;
  const streams = new EventStreams(app, 15_000, (request, end) => sessions.hold(request, end));

  /** The usage event, or none where the runtime reports no usage (processes). */
  const usageEvent = async (id: number): Promise<ServerEvent | null> => {
    const usage = await serverUsage(deps, id);
    return usage === undefined ? null : { type: 'usage', usage, ...usageText(usage) };
  };

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
        const timer =
          deps.config.runtime === 'process'
            ? undefined
            : setInterval(() => {
                void usageEvent(id).then((event) => event && send(event));
              }, USAGE_INTERVAL_MS);
        return () => {
          clearInterval(timer);
          unwatch();
          unsubscribe();
        };
      },
      async snapshot(send) {
        // Read after subscribing, so a change between the two is not lost (it may come twice).
        const { actual_state, desired_state, last_error } = (await visibleServer(database.db, user, id)).row;
        send({ type: 'state', actual_state, desired_state, last_error });
        send({ type: 'live', live: supervisor.liveStatus(id) });
        const usage = await usageEvent(id);
        if (usage) send(usage);
        if (!withConsole) return;
        for (const line of await recentConsoleLines(supervisor, id)) send({ type: 'console', line });
      },
    });
  });
}
