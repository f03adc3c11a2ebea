import { z } from 'zod';
import { actualStates, desiredStates } from '../db/schema.js';
import {
  type Answer,
  eventStream,
  failure,
  formTwin,
  idJson,
  invalidInput,
  notFoundAnswer,
  type Operation,
  type Operations,
  outputJson,
  sameAs,
  timestamp,
} from '../http/operation.js';
import type { LiveStatus } from '../supervisor/control.js';
import { changeLevelSchema, kickSchema, rconSchema, serverSchema } from './input.js';
import type { Server } from './servers.js';

export const liveStatusJson = sameAs<LiveStatus>()(
  z
    .object({ map: z.string(), players: z.number().int(), max_players: z.number().int() })
    .meta({ title: 'LiveStatus', description: 'Live facts from an A2S query of a running server' }),
);

/** A server as the JSON API shows it. */
export const serverJson = sameAs<Server>()(
  z
    .object({
      id: z.number().int(),
      name: z.string(),
      port: z.number().int(),
      blueprint_id: z.number().int(),
      desired_state: z.enum(desiredStates),
      actual_state: z.enum(actualStates),
      last_error: z.string().meta({ description: "'' when none" }),
      restart_required: z
        .boolean()
        .meta({ description: "Its blueprint's addons changed since it was launched; a restart clears it" }),
      created_at: timestamp,
      updated_at: timestamp,
      live: liveStatusJson.nullable(),
    })
    .meta({ title: 'Server' }),
);

/** The answer of GET /servers (and of the dashboard, GET /). */
export const serverList = {
  200: { description: 'The servers', schema: z.object({ servers: z.array(serverJson) }) },
};

/** Start, stop and restart: the desired state is written; the supervisor acts on it. */
const accepted = { 202: { description: 'Accepted', schema: serverJson }, 404: notFoundAnswer('server') };

/** A console command through RCON: its reply, or why there is none. */
const rconResponses = (refused: Answer, notRunning = 'server is not running') => ({
  200: { description: 'The reply', schema: outputJson },
  400: refused,
  404: notFoundAnswer('server'),
  409: failure(notRunning),
  502: failure('rcon: <reason>'),
});

const changeServer: Operation = {
  tag: 'servers',
  summary: 'Change a server (any subset of name, port, blueprint_id)',
  body: { json: serverSchema('json').partial() },
  responses: {
    200: { description: 'The changed server', schema: serverJson },
    400: invalidInput,
    404: notFoundAnswer('server or blueprint'),
    409: failure('port or name already in use; or: stop the server before changing its port'),
  },
};

const deleteServer: Operation = {
  tag: 'servers',
  summary: 'Stop and delete a server',
  responses: { 204: { description: 'Deleted' }, 404: notFoundAnswer('server') },
};

/** The server routes, for the OpenAPI document. */
export const serverOperations: Operations = {
  'GET /servers': {
    tag: 'servers',
    summary: 'The servers you may see',
    responses: serverList,
  },
  'POST /servers': {
    tag: 'servers',
    summary: 'Create a server (stopped) from a blueprint',
    description:
      'The server binds `port` and the client port `port - 10`; no port may be bound by two servers.',
    body: { json: serverSchema('json'), form: serverSchema('form') },
    responses: {
      201: { description: 'Created', schema: idJson },
      400: invalidInput,
      404: notFoundAnswer('blueprint'),
      409: failure(
        'port already in use (naming the port and, if you may see it, the server that holds it; else "port P is in use by another user\'s server"), or name already in use',
      ),
    },
  },
  'GET /servers/:id': {
    tag: 'servers',
    summary: 'One server, with its live status',
    responses: { 200: { description: 'The server', schema: serverJson }, 404: notFoundAnswer('server') },
  },
  'PATCH /servers/:id': changeServer,
  'POST /servers/:id': formTwin(
    changeServer,
    'Change a server (the HTML form; same as PATCH)',
    serverSchema('form').partial(),
  ),
  'POST /servers/:id/start': {
    tag: 'servers',
    summary: 'Want the server running (the supervisor starts it)',
    responses: accepted,
  },
  'POST /servers/:id/stop': {
    tag: 'servers',
    summary: 'Want the server stopped (the supervisor stops it)',
    responses: accepted,
  },
  'POST /servers/:id/restart': {
    tag: 'servers',
    summary: 'Stop the server and start it again',
    responses: accepted,
  },
  'DELETE /servers/:id': deleteServer,
  'POST /servers/:id/delete': formTwin(
    deleteServer,
    'Stop and delete a server (the HTML form; same as DELETE)',
  ),
  'POST /servers/:id/rcon': {
    tag: 'servers',
    summary: 'Run a console command through RCON',
    body: { json: rconSchema, form: rconSchema },
    responses: rconResponses(invalidInput),
  },
  'POST /servers/:id/changelevel': {
    tag: 'servers',
    summary: 'Change the map (RCON `changelevel`)',
    description:
      "`map` names the map; `custom_map` (the form's free-text field) wins over it when not empty.",
    body: { json: changeLevelSchema, form: changeLevelSchema },
    responses: rconResponses(failure('map: not a map name, or the server refused it')),
  },
  'POST /servers/:id/kick': {
    tag: 'servers',
    summary: 'Kick a player (RCON `kickid`)',
    description:
      'By `userid` (from `status`), or by `name` as GET /servers/{id} lists it: its userid is looked up.',
    body: { json: kickSchema('json'), form: kickSchema('form') },
    responses: rconResponses(
      invalidInput,
      'server is not running; or: that player is no longer on the server',
    ),
  },
  'GET /servers/:id/events': {
    tag: 'servers',
    summary: "The server's state changes, live status and console lines",
    responses: {
      200: eventStream('Events `state`, `live` and `console`, beginning with the current state'),
      404: notFoundAnswer('server'),
    },
  },
};
