import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { z } from 'zod';
import { currentUser } from '../auth/guard.js';
import { parseStatusPlayers } from '../dashboard/players.js';
import type { DatabaseHandle } from '../db/connect.js';
import { AppError, invalidFields } from '../http/errors.js';
import { type BodySource, parseBody, wholeNumberField } from '../http/input.js';
import { bodySource } from '../http/negotiate.js';
import { sendDone, sendError } from '../http/respond.js';
import type { SupervisorControl } from '../supervisor/control.js';
import { typedText } from '../views/submitted.js';
import { getServerRow } from './servers.js';
import type { ServerPageFocus } from './views/page-focus.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

const mapWord = z
  .string({ error: 'must be text' })
  .trim()
  .max(64, 'must be at most 64 characters')
  // One word, so `changelevel <map>` stays one command; no `..`, so it stays inside the game's maps.
  .refine((map) => map === '' || /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(map), {
    message: 'must be a map name: letters, digits, "_", "-", "." or "/"',
  })
  .refine((map) => !map.includes('..'), 'must not contain ".."');

/** POST /servers/:id/changelevel: `map` (the list, or JSON), or `custom_map` (free text), which wins. */
export const changeLevelSchema = z.strictObject({ map: mapWord.optional(), custom_map: mapWord.optional() });

/** POST /servers/:id/kick: the player's `name` as the page lists it, or their `userid` (from `status`). */
export const kickSchema = (source: BodySource) =>
  z.strictObject({
    userid: wholeNumberField(source, 'a userid').optional(),
    name: z
      .string({ error: 'must be text' })
      .min(1, 'must not be empty')
      .max(128, 'must be at most 128 characters')
      .optional(),
  });
const kickSchemas = { form: kickSchema('form'), json: kickSchema('json') };

/** srcds answers a refused changelevel with a line like "changelevel failed: x not found". */
const refusedMap = /failed|not found|invalid|unknown command/i;
const noSuchPlayer = /no user|no such player|can't kick|not found/i;

/**
 * Map changes and kicks as plain forms (and JSON): both go through the supervisor's RCON. A failure
 * re-renders the server page with the message next to the form that caused it.
 */
export function registerGameRoutes(
  app: FastifyInstance,
  { database, supervisor }: { database: DatabaseHandle; supervisor: SupervisorControl },
  page: {
    serverId(request: IdRequest): number;
    detailPage(request: IdRequest, error?: AppError, focus?: ServerPageFocus): Promise<VNode>;
  },
) {
  app.post<{ Params: { id: string } }>('/servers/:id/changelevel', async (request, reply) => {
    try {
      const row = await getServerRow(database.db, currentUser(request), page.serverId(request));
      const input = parseBody(changeLevelSchema, request.body);
      const map = input.custom_map || input.map;
      if (!map) throw invalidFields({ map: 'is required' });
      const output = await supervisor.rcon(row.id, `changelevel ${map}`);
      if (refusedMap.test(output)) throw new AppError(400, `map: ${output.trim()}`, { map: output.trim() });
      return sendDone(request, reply, {
        status: 200,
        body: { output },
        location: `/servers/${row.id}#map`,
        notice: `Changing the map to ${map}.`,
      });
    } catch (error) {
      return sendError(request, reply, error, (appError) =>
        page.detailPage(request, appError, {
          section: 'map',
          map: typedText(request.body, 'custom_map').trim() || typedText(request.body, 'map'),
        }),
      );
    }
  });

  const gone = () => new AppError(409, 'that player is no longer on the server');
  /** The userid `status` gives the player of that name (the first, should two share it). */
  const useridOf = async (serverId: number, name: string) => {
    const row = parseStatusPlayers(await supervisor.rcon(serverId, 'status')).find(
      (player) => player.name === name,
    );
    if (!row) throw gone();
    return row.userid;
  };

  app.post<{ Params: { id: string } }>('/servers/:id/kick', async (request, reply) => {
    try {
      const row = await getServerRow(database.db, currentUser(request), page.serverId(request));
      const input = parseBody(kickSchemas[bodySource(request)], request.body);
      if (input.userid === undefined && input.name === undefined)
        throw invalidFields({ name: 'is required' });
      // By userid, never by name on the command line: a name may hold `;` or quotes.
      const userid = input.userid ?? (await useridOf(row.id, input.name ?? ''));
      const output = await supervisor.rcon(row.id, `kickid ${userid}`);
      if (noSuchPlayer.test(output)) throw gone();
      return sendDone(request, reply, {
        status: 200,
        body: { output },
        location: `/servers/${row.id}#players`,
        notice: `Kicked ${input.name ?? `player #${userid}`}.`,
      });
    } catch (error) {
      return sendError(request, reply, error, (appError) =>
        page.detailPage(request, appError, { section: 'players' }),
      );
    }
  });
}
