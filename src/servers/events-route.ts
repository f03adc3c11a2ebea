import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { currentUser } from '../auth/guard.js';
import type { DatabaseHandle } from '../db/connect.js';
import { sendError } from '../http/respond.js';
import type { ServerEvent, SupervisorControl } from '../supervisor/control.js';
import { getServerRow } from './servers.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export interface EventsRouteOptions {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** Console lines sent first, so the page starts with some context. */
  recentLines?: number;
}

function frame(event: ServerEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * GET /servers/:id/events: Server-Sent Events with the server's state changes, live status and console
 * lines. The current state comes first; a comment every heartbeatMs; everything is released on close.
 */
export function registerServerEventsRoute(
  app: FastifyInstance,
  { database, supervisor }: { database: DatabaseHandle; supervisor: SupervisorControl },
  serverIdOf: (request: IdRequest) => number,
  options: EventsRouteOptions = {},
): void {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const recentLines = options.recentLines ?? 100;
  const open = new Set<ServerResponse>();
  // An open stream never goes idle: end them all, or closing the app would wait for every browser.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get<{ Params: { id: string } }>('/servers/:id/events', async (request, reply) => {
    let row: Awaited<ReturnType<typeof getServerRow>>;
    try {
      row = await getServerRow(database.db, currentUser(request), serverIdOf(request));
    } catch (error) {
      return sendError(request, reply, error);
    }
    const id = row.id;
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    open.add(stream);
    const send = (event: ServerEvent) => {
      if (!stream.writableEnded) stream.write(frame(event));
    };
    // Listen before taking the snapshot, so nothing falls between the two; replay after it.
    let snapshotSent = false;
    const early: ServerEvent[] = [];
    const unsubscribe = supervisor.subscribe(id, (event) => (snapshotSent ? send(event) : early.push(event)));
    const heartbeat = setInterval(() => {
      if (!stream.writableEnded) stream.write(': keep-alive\n\n');
    }, heartbeatMs);
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(stream);
    };
    request.raw.on('close', cleanup);
    stream.on('close', cleanup);
    stream.on('error', cleanup);

    stream.write('retry: 3000\n\n');
    send({
      type: 'state',
      actual_state: row.actual_state,
      desired_state: row.desired_state,
      last_error: row.last_error,
    });
    send({ type: 'live', live: supervisor.liveStatus(id) });
    const lines = await (supervisor.recentConsole?.(id, recentLines) ?? Promise.resolve([])).catch(() => []);
    for (const line of lines) send({ type: 'console', line });
    snapshotSent = true;
    for (const event of early.splice(0)) send(event);
  });
}
