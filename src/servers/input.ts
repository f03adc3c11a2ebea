import { z } from 'zod';
import { invalidFields } from '../http/errors.js';
import {
  type BodySource,
  idField,
  nameField,
  parseBody,
  portField,
  refusedBy,
  wholeNumberField,
} from '../http/input.js';
import { consoleCommandProblem } from '../launch/grammar.js';
import { nodeField } from '../launch/limits.js';
import { type Permission, permissions } from './access.js';

export function serverSchema(source: BodySource) {
  return z.strictObject({
    name: nameField(128),
    port: portField(source),
    blueprint_id: idField(source),
    // The swarm nodes it may run on (their l4d2web.node label); '' = any.
    node: nodeField(),
  });
}

export type ServerInput = z.output<ReturnType<typeof serverSchema>>;

const schemas = { form: serverSchema('form'), json: serverSchema('json') };

/** A new server's fields: node may be left out. */
export const newServerSchema = (source: BodySource) => serverSchema(source).partial({ node: true });
const newSchemas = { form: newServerSchema('form'), json: newServerSchema('json') };

/** A new server: name, port and blueprint required; node optional (any node). */
export function parseNewServer(body: unknown, source: BodySource): ServerInput {
  return { node: '', ...parseBody(newSchemas[source], body) };
}

/** A change to a server: any subset of name, port, blueprint_id and node. */
export function parseServerChange(body: unknown, source: BodySource): Partial<ServerInput> {
  return parseBody(schemas[source].partial(), body);
}

/** POST /servers/:id/rcon: one console command. */
export const rconSchema = z.strictObject({
  command: z
    .string({ error: 'must be text' })
    .trim()
    .min(1, 'must not be empty')
    .max(512, 'must be at most 512 characters')
    // One command, none the panel keeps for itself (src/launch/grammar.ts).
    .superRefine(refusedBy(consoleCommandProblem)),
});

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

/** The console command of POST /servers/:id/rcon. */
export function parseConsoleCommand(body: unknown): string {
  return parseBody(rconSchema, body).command;
}

/** The map a changelevel asks for: `custom_map` when not empty, else `map`. */
export function parseChangeLevel(body: unknown): string {
  const input = parseBody(changeLevelSchema, body);
  const map = input.custom_map || input.map;
  if (!map) throw invalidFields({ map: 'is required' });
  return map;
}

/** Whom to kick: a userid, or a name to look up; one of them is given. */
export function parseKick(body: unknown, source: BodySource): { userid?: number; name?: string } {
  const input = parseBody(kickSchemas[source], body);
  if (input.userid === undefined && input.name === undefined) throw invalidFields({ name: 'is required' });
  return input;
}

/** Permissions given to a member: a JSON array, or a form's checkboxes (one value, or several). */
const permissionList = (source: BodySource) => {
  const list = z.array(z.enum(permissions, { error: `must be among ${permissions.join(', ')}` }), {
    error: 'must be an array of permissions',
  });
  return source === 'json'
    ? list
    : z
        .union([z.string(), z.array(z.string())], { error: 'must be permissions' })
        .transform((value) => (Array.isArray(value) ? value : [value]))
        .pipe(list);
};

/** POST /servers/:id/members: whom to share the server with, and what they may do (nothing more than view when none). */
export const newMemberSchema = (source: BodySource) =>
  z.strictObject({
    username: z.string({ error: 'must be text' }).trim().min(1, 'is required').max(256, 'is too long'),
    permissions: permissionList(source).optional(),
  });

/** PATCH /servers/:id/members/:user_id; a form with no box ticked sends no field at all: view only. */
export const memberChangeSchema = (source: BodySource) =>
  z.strictObject({
    permissions: source === 'json' ? permissionList(source) : permissionList(source).optional(),
  });

const memberSchemas = {
  form: { add: newMemberSchema('form'), change: memberChangeSchema('form') },
  json: { add: newMemberSchema('json'), change: memberChangeSchema('json') },
};

export function parseNewMember(
  body: unknown,
  source: BodySource,
): { username: string; permissions: Permission[] } {
  const input = parseBody(memberSchemas[source].add, body);
  return { username: input.username, permissions: input.permissions ?? [] };
}

export function parseMemberChange(body: unknown, source: BodySource): Permission[] {
  return parseBody(memberSchemas[source].change, body ?? {}).permissions ?? [];
}
