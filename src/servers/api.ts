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
import { permissions, type ServerAction, serverActions } from './access.js';
import {
  changeLevelSchema,
  kickSchema,
  memberChangeSchema,
  newMemberSchema,
  newServerSchema,
  rconSchema,
  serverSchema,
} from './input.js';
import type { Member } from './members.js';
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
      node: z.string().meta({ description: "The swarm nodes it may run on (label l4d2web.node); '' = any" }),
      restart_required: z
        .boolean()
        .meta({ description: "Its blueprint's addons changed since it was launched; a restart clears it" }),
      created_at: timestamp,
      updated_at: timestamp,
      live: liveStatusJson.nullable(),
      access: z.enum(['owner', 'member', 'admin']).meta({
        description: 'How you come to see it: you own it, it is shared with you, or you administer the panel',
      }),
      permissions: z
        .array(z.enum(permissions))
        .meta({ description: 'What you may do to it: always `view`; owners and admins hold them all' }),
    })
    .meta({ title: 'Server' }),
);

/** The 403 of a member without the permission a route needs. */
const refused = (...actions: ServerAction[]) =>
  failure(actions.map((action) => `you may not ${serverActions[action].words} this server`).join('; or: '));

/** The answer of GET /servers (and of the dashboard, GET /). */
export const serverList = {
  200: { description: 'The servers', schema: z.object({ servers: z.array(serverJson) }) },
};

/** Start, stop and restart: the desired state is written; the supervisor acts on it. */
const accepted = (action: ServerAction) => ({
  202: { description: 'Accepted', schema: serverJson },
  403: refused(action),
  404: notFoundAnswer('server'),
});

/** A console command through RCON: its reply, or why there is none. */
const rconResponses = (action: ServerAction, badInput: Answer, notRunning = 'server is not running') => ({
  200: { description: 'The reply', schema: outputJson },
  400: badInput,
  403: refused(action),
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
    403: refused('settings'),
    404: notFoundAnswer("server or blueprint (a member picks among the owner's)"),
    409: failure('port or name already in use; or: stop the server before changing its port'),
  },
};

const deleteServer: Operation = {
  tag: 'servers',
  summary: 'Stop and delete a server',
  responses: { 204: { description: 'Deleted' }, 403: refused('delete'), 404: notFoundAnswer('server') },
};

const memberJson = sameAs<Member>()(
  z
    .object({
      user_id: z.number().int(),
      username: z.string(),
      permissions: z.array(z.enum(permissions)).meta({ description: 'Always holds `view`' }),
    })
    .meta({ title: 'Member' }),
);

const changeMember: Operation = {
  tag: 'members',
  summary: "Change a member's permissions (the owner or an admin)",
  body: { json: memberChangeSchema('json') },
  responses: {
    200: { description: 'The member', schema: memberJson },
    400: invalidInput,
    403: refused('members'),
    404: notFoundAnswer('server or member'),
  },
};

const removeMember: Operation = {
  tag: 'members',
  summary: 'Stop sharing the server with a member: their streams stop showing it at once',
  responses: {
    204: { description: 'Removed' },
    403: refused('members'),
    404: notFoundAnswer('server or member'),
  },
};

/** Sharing a server, for the OpenAPI document. */
const memberOperations: Operations = {
  'GET /servers/:id/members': {
    tag: 'members',
    summary: 'Who the server is shared with (the owner or an admin)',
    responses: {
      200: { description: 'The members', schema: z.object({ members: z.array(memberJson) }) },
      403: refused('members'),
      404: notFoundAnswer('server'),
    },
  },
  'POST /servers/:id/members': {
    tag: 'members',
    summary: 'Share the server with a user, by name (the owner or an admin)',
    description:
      "`permissions` ⊆ control (start, stop, restart), console (RCON, kick, changelevel, console stream), settings (name, port, blueprint among the owner's); `view` is implied.",
    body: { json: newMemberSchema('json'), form: newMemberSchema('form') },
    responses: {
      201: { description: 'A member now', schema: memberJson },
      400: invalidInput,
      403: refused('members'),
      404: failure('server not found; or: user not found'),
      409: failure('already a member; or: the owner is not a member'),
    },
  },
  'PATCH /servers/:id/members/:user_id': changeMember,
  'POST /servers/:id/members/:user_id': formTwin(
    changeMember,
    "Change a member's permissions (the HTML form; same as PATCH)",
    memberChangeSchema('form'),
  ),
  'DELETE /servers/:id/members/:user_id': removeMember,
  'POST /servers/:id/members/:user_id/delete': formTwin(
    removeMember,
    'Remove a member (the HTML form; same as DELETE)',
  ),
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
    body: { json: newServerSchema('json'), form: newServerSchema('form') },
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
    responses: accepted('start'),
  },
  'POST /servers/:id/stop': {
    tag: 'servers',
    summary: 'Want the server stopped (the supervisor stops it)',
    responses: accepted('stop'),
  },
  'POST /servers/:id/restart': {
    tag: 'servers',
    summary: 'Stop the server and start it again',
    responses: accepted('restart'),
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
    responses: rconResponses('console', invalidInput),
  },
  'POST /servers/:id/changelevel': {
    tag: 'servers',
    summary: 'Change the map (RCON `changelevel`)',
    description:
      "`map` names the map; `custom_map` (the form's free-text field) wins over it when not empty.",
    body: { json: changeLevelSchema, form: changeLevelSchema },
    responses: rconResponses('changelevel', failure('map: not a map name, or the server refused it')),
  },
  'POST /servers/:id/kick': {
    tag: 'servers',
    summary: 'Kick a player (RCON `kickid`)',
    description:
      'By `userid` (from `status`), or by `name` as GET /servers/{id} lists it: its userid is looked up.',
    body: { json: kickSchema('json'), form: kickSchema('form') },
    responses: rconResponses(
      'kick',
      invalidInput,
      'server is not running; or: that player is no longer on the server',
    ),
  },
  'GET /servers/:id/events': {
    tag: 'servers',
    summary: "The server's state changes, live status and console lines",
    responses: {
      200: eventStream(
        'Events `state`, `live` and (with the `console` permission) `console`, beginning with the current state',
      ),
      404: notFoundAnswer('server'),
    },
  },
  ...memberOperations,
};
