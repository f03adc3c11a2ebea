import type { FastifyInstance } from 'fastify';
import type { VNode } from 'preact';
import { noteAudit } from '../audit/hooks.js';
import type { RouteDeps } from '../deps.js';
import { AppError } from '../http/errors.js';
import type { IdRequest } from '../http/input.js';
import { bodySource } from '../http/negotiate.js';
import { sendDone } from '../http/respond.js';
import { typedText } from '../views/submitted.js';
import { serverOf, serverRoute } from './access.js';
import { runConsoleCommand } from './console.js';
import { parseChangeLevel, parseKick } from './input.js';
import { parseStatusPlayers } from './status-reply.js';
import type { ServerPageFocus } from './views/page-focus.js';

/** srcds answers a refused changelevel with a line like "changelevel failed: x not found". */
const refusedMap = /failed|not found|invalid|unknown command/i;
const noSuchPlayer = /no user|no such player|can't kick|not found/i;

/**
 * Map changes and kicks as plain forms (and JSON): both go through the supervisor's RCON. A failure
 * re-renders the server page with the message next to the form that caused it.
 */
export function registerGameRoutes(
  app: FastifyInstance,
  { supervisor }: Pick<RouteDeps, 'supervisor'>,
  detailPage: (request: IdRequest, error?: AppError, focus?: ServerPageFocus) => Promise<VNode>,
) {
  app.post<{ Params: { id: string } }>(
    '/servers/:id/changelevel',
    serverRoute('changelevel', { action: 'server.changelevel' }),
    async (request, reply) => {
      request.formOnError = (error) =>
        detailPage(request, error, {
          section: 'map',
          map: typedText(request.body, 'custom_map').trim() || typedText(request.body, 'map'),
        });
      const { row } = serverOf(request);
      const map = parseChangeLevel(request.body);
      noteAudit(request, { detail: { map } });
      const output = await runConsoleCommand(supervisor, row.id, `changelevel ${map}`);
      if (refusedMap.test(output)) throw new AppError(400, `map: ${output.trim()}`, { map: output.trim() });
      return sendDone(request, reply, {
        status: 200,
        body: { output },
        location: `/servers/${row.id}#map`,
        notice: `Changing the map to ${map}.`,
      });
    },
  );

  const gone = () => new AppError(409, 'that player is no longer on the server');
  /** The userid `status` gives the player of that name (the first, should two share it). */
  const useridOf = async (serverId: number, name: string) => {
    const row = parseStatusPlayers(await runConsoleCommand(supervisor, serverId, 'status')).find(
      (player) => player.name === name,
    );
    if (!row) throw gone();
    return row.userid;
  };

  const kick = serverRoute('kick', { action: 'server.kick' });
  app.post<{ Params: { id: string } }>('/servers/:id/kick', kick, async (request, reply) => {
    request.formOnError = (error) => detailPage(request, error, { section: 'players' });
    const { row } = serverOf(request);
    const input = parseKick(request.body, bodySource(request));
    // By userid, never by name on the command line: a name may hold `;` or quotes.
    const userid = input.userid ?? (await useridOf(row.id, input.name ?? ''));
    noteAudit(request, { detail: { userid, ...(input.name !== undefined && { player: input.name }) } });
    const output = await runConsoleCommand(supervisor, row.id, `kickid ${userid}`);
    if (noSuchPlayer.test(output)) throw gone();
    return sendDone(request, reply, {
      status: 200,
      body: { output },
      location: `/servers/${row.id}#players`,
      notice: `Kicked ${input.name ?? `player #${userid}`}.`,
    });
  });
}
