import { z } from 'zod';
import { loginSchema } from '../auth/routes.js';
import { credentialsSchema } from '../auth/users.js';
import { blueprintSchema } from '../blueprints/input.js';
import { changeLevelSchema, kickSchema } from '../servers/game-routes.js';
import { serverSchema } from '../servers/input.js';
import { rconSchema } from '../servers/routes.js';
import { blueprintJson, errorJson, idJson, outputJson, serverJson, userJson } from './schemas.js';

/** One JSON operation of the panel, for the OpenAPI document. Bodies are the schemas the handlers parse with. */
export interface Operation {
  summary: string;
  description?: string;
  tag: 'auth' | 'users' | 'blueprints' | 'servers' | 'dashboard' | 'meta';
  /** Reachable without a session. */
  public?: boolean;
  /** The JSON body and, for routes that forms also reach, the form body. */
  body?: { json: z.ZodType; form?: z.ZodType };
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const error = (description: string) => ({ description, schema: errorJson });
const invalid = error('Invalid input: `fields` names each refused field');
const notFound = (what: string) => error(`${what} not found (or another user's)`);
const eventStream = (description: string) => ({
  description,
  schema: z
    .string()
    .meta({ description: 'text/event-stream; each event is named by its `type`, its data is JSON' }),
  contentType: 'text/event-stream',
});

const newBlueprint = (source: 'json' | 'form') =>
  blueprintSchema(source).partial({ arguments: true, config: true });

/** The HTML form's route that does what a JSON route does (POST for PATCH or DELETE): the same answers. */
const formTwin = (operation: Operation, summary: string, form?: z.ZodType): Operation => ({
  ...operation,
  summary,
  ...(form && operation.body && { body: { json: operation.body.json, form } }),
});

/** Start, stop and restart: the desired state is written; the supervisor acts on it. */
const accepted = { 202: { description: 'Accepted', schema: serverJson }, 404: notFound('server') };

/** A console command through RCON: its reply, or why there is none. */
const rconResponses = (refused: Operation['responses'][number], notRunning = 'server is not running') => ({
  200: { description: 'The reply', schema: outputJson },
  400: refused,
  404: notFound('server'),
  409: error(notRunning),
  502: error('rcon: <reason>'),
});

const changeBlueprint: Operation = {
  tag: 'blueprints',
  summary: 'Change a blueprint (any subset of its fields)',
  body: { json: blueprintSchema('json').partial() },
  responses: {
    200: { description: 'The changed blueprint', schema: blueprintJson },
    400: invalid,
    404: notFound('blueprint'),
    409: error('blueprint name already in use'),
  },
};

const deleteBlueprint: Operation = {
  tag: 'blueprints',
  summary: 'Delete a blueprint no server uses',
  responses: {
    204: { description: 'Deleted' },
    404: notFound('blueprint'),
    409: error('blueprint is used by N servers'),
  },
};

const changeServer: Operation = {
  tag: 'servers',
  summary: 'Change a server (any subset of name, port, blueprint_id)',
  body: { json: serverSchema('json').partial() },
  responses: {
    200: { description: 'The changed server', schema: serverJson },
    400: invalid,
    404: notFound('server or blueprint'),
    409: error('port or name already in use; or: stop the server before changing its port'),
  },
};

const deleteServer: Operation = {
  tag: 'servers',
  summary: 'Stop and delete a server',
  responses: { 204: { description: 'Deleted' }, 404: notFound('server') },
};

const serverList = {
  200: { description: 'The servers', schema: z.object({ servers: z.array(serverJson) }) },
};

/**
 * Every route that answers JSON, keyed by "METHOD url" as Fastify registers it. A test checks that
 * this list and the app's routes match, so a new route cannot be left out of the document.
 */
export const operations: Record<string, Operation> = {
  'POST /register': {
    tag: 'auth',
    public: true,
    summary: 'Create an account (the first is admin; later ones when registration is open, or by an admin)',
    body: { json: credentialsSchema, form: credentialsSchema },
    responses: {
      201: { description: 'Created and signed in (unless an admin created it)', schema: idJson },
      400: invalid,
      403: error('registration is closed'),
      409: error('username already taken'),
    },
  },
  'POST /login': {
    tag: 'auth',
    public: true,
    summary: 'Sign in: sets the session cookie',
    body: { json: loginSchema, form: loginSchema },
    responses: {
      200: { description: 'Signed in', schema: userJson.omit({ created_at: true }) },
      400: invalid,
      401: error('invalid username or password'),
      429: error('too many failed logins; see Retry-After'),
    },
  },
  'POST /logout': {
    tag: 'auth',
    public: true,
    summary: 'Sign out',
    responses: { 204: { description: 'Signed out' } },
  },
  'GET /users': {
    tag: 'users',
    summary: 'Every account (admins only)',
    responses: {
      200: { description: 'The accounts', schema: z.object({ users: z.array(userJson) }) },
      404: notFound('page'),
    },
  },
  'GET /blueprints': {
    tag: 'blueprints',
    summary: 'The blueprints you may see',
    responses: {
      200: { description: 'The blueprints', schema: z.object({ blueprints: z.array(blueprintJson) }) },
    },
  },
  'POST /blueprints': {
    tag: 'blueprints',
    summary: 'Create a blueprint',
    description:
      'In forms, `arguments` and `config` are a JSON array of strings or text with one item per line.',
    body: { json: newBlueprint('json'), form: newBlueprint('form') },
    responses: {
      201: { description: 'Created', schema: idJson },
      400: invalid,
      409: error('blueprint name already in use'),
    },
  },
  'GET /blueprints/:id': {
    tag: 'blueprints',
    summary: 'One blueprint',
    responses: { 200: { description: 'The blueprint', schema: blueprintJson }, 404: notFound('blueprint') },
  },
  'PATCH /blueprints/:id': changeBlueprint,
  'POST /blueprints/:id': formTwin(
    changeBlueprint,
    'Change a blueprint (the HTML form; same as PATCH)',
    blueprintSchema('form').partial(),
  ),
  'DELETE /blueprints/:id': deleteBlueprint,
  'POST /blueprints/:id/delete': formTwin(
    deleteBlueprint,
    'Delete a blueprint (the HTML form; same as DELETE)',
  ),
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
      400: invalid,
      404: notFound('blueprint'),
      409: error(
        'port already in use (naming the port and, if you may see it, the server that holds it; else "port P is in use by another user\'s server"), or name already in use',
      ),
    },
  },
  'GET /servers/:id': {
    tag: 'servers',
    summary: 'One server, with its live status',
    responses: { 200: { description: 'The server', schema: serverJson }, 404: notFound('server') },
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
    responses: rconResponses(invalid),
  },
  'POST /servers/:id/changelevel': {
    tag: 'servers',
    summary: 'Change the map (RCON `changelevel`)',
    description:
      "`map` names the map; `custom_map` (the form's free-text field) wins over it when not empty.",
    body: { json: changeLevelSchema, form: changeLevelSchema },
    responses: rconResponses(error('map: not a map name, or the server refused it')),
  },
  'POST /servers/:id/kick': {
    tag: 'servers',
    summary: 'Kick a player (RCON `kickid`)',
    description:
      'By `userid` (from `status`), or by `name` as GET /servers/{id} lists it: its userid is looked up.',
    body: { json: kickSchema('json'), form: kickSchema('form') },
    responses: rconResponses(invalid, 'server is not running; or: that player is no longer on the server'),
  },
  'GET /servers/:id/events': {
    tag: 'servers',
    summary: "The server's state changes, live status and console lines",
    responses: {
      200: eventStream('Events `state`, `live` and `console`, beginning with the current state'),
      404: notFound('server'),
    },
  },
  'GET /': {
    tag: 'dashboard',
    summary: 'The dashboard: the servers you may see',
    responses: serverList,
  },
  'GET /events': {
    tag: 'dashboard',
    summary: 'State and live events of all your servers, each with its `server_id`',
    responses: { 200: eventStream("Events `state` and `live`, beginning with every server's current ones") },
  },
  'GET /healthz': {
    tag: 'meta',
    public: true,
    summary: 'Whether the panel is up',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
  },
  'GET /openapi.json': {
    tag: 'meta',
    public: true,
    summary: 'This document',
    responses: { 200: { description: 'The OpenAPI document', schema: z.object({}).loose() } },
  },
};

/** Routes that answer HTML only (pages with nothing for a script), and so are not in the document. */
export const htmlOnlyRoutes = ['GET /login', 'GET /register'];
