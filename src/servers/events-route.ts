import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser } from '../auth/guard.js';
import type { DatabaseHandle } from '../db/connect.js';
import { sendError } from '../http/respond.js';
import { EventStreams } from '../http/sse.js';
import type { ServerEvent, SupervisorControl } from '../supervisor/control.js';
import { getServerRow } from './servers.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export interface EventsRouteOptions {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** Console lines sent first, so the page starts with some context. */
  recentLines?: number;
}

/**
 * GET /servers/:id/events: Server-Sent Events with the server's state changes, live status and console
 * lines. The current state comes first, then the last console lines.
 */
export function registerServerEventsRoute(
  app: FastifyInstance,
  { database, supervisor }: { database: DatabaseHandle; supervisor: SupervisorControl },
  serverIdOf: (request: IdRequest) => number,
  options: EventsRouteOptions = {},
): void {
  const recentLines = options.recentLines ?? 100;
  const streams = new EventStreams(app, options.heartbeatMs ?? 15_000);

  app.get<{ Params: { id: string } }>('/servers/:id/events', async (request, reply) => {
    let row: Awaited<ReturnType<typeof getServerRow>>;
    try {
      row = await getServerRow(database.db, currentUser(request), serverIdOf(request));
    } catch (error) {
      return sendError(request, reply, error);
    }
    const id = row.id;
    await streams.serve<ServerEvent>(request, reply, {
      subscribe: (send) => supervisor.subscribe(id, send),
      async snapshot(send) {
        const { actual_state, desired_state, last_error } = row;
        send({ type: 'state', actual_state, desired_state, last_error });
        send({ type: 'live', live: supervisor.liveStatus(id) });
        const lines = await (supervisor.recentConsole?.(id, recentLines) ?? Promise.resolve([])).catch(
          () => [],
        );
        for (const line of lines) send({ type: 'console', line });
      },
    });
  });
}
