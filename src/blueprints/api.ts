import { z } from 'zod';
import { sourcemodJson } from '../addons/api.js';
import {
  failure,
  formTwin,
  idJson,
  invalidInput,
  notFoundAnswer,
  type Operation,
  type Operations,
  sameAs,
  timestamp,
} from '../http/operation.js';
import type { Blueprint } from './blueprints.js';
import { blueprintSchema, newBlueprintSchema } from './input.js';

/** A blueprint as the JSON API shows it. */
export const blueprintJson = sameAs<Blueprint>()(
  z
    .object({
      id: z.number().int(),
      name: z.string(),
      arguments: z.array(z.string()),
      config: z.array(z.string()),
      addons: z.array(z.number().int()).meta({ description: 'The addons its servers get, in order' }),
      sourcemod: sourcemodJson,
      cpu_limit: z
        .number()
        .nullable()
        .meta({ description: 'Cores (docker and swarm runtimes); null: no limit' }),
      memory_limit_mb: z
        .number()
        .int()
        .nullable()
        .meta({ description: 'MB (docker and swarm runtimes); null: no limit' }),
      created_at: timestamp,
      updated_at: timestamp,
    })
    .meta({ title: 'Blueprint' }),
);

const changeBlueprint: Operation = {
  tag: 'blueprints',
  summary: 'Change a blueprint (any subset of its fields)',
  body: { json: blueprintSchema('json').partial() },
  responses: {
    200: { description: 'The changed blueprint', schema: blueprintJson },
    400: invalidInput,
    404: notFoundAnswer('blueprint'),
    409: failure('blueprint name already in use'),
  },
};

const deleteBlueprint: Operation = {
  tag: 'blueprints',
  summary: 'Delete a blueprint no server uses',
  responses: {
    204: { description: 'Deleted' },
    404: notFoundAnswer('blueprint'),
    409: failure('blueprint is used by N servers'),
  },
};

/** The blueprint routes, for the OpenAPI document. */
export const blueprintOperations: Operations = {
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
      'In forms, `arguments` and `config` are a JSON array of strings or text with one item per line; ' +
      '`addons` and `sourcemod_plugins` are ids (repeated fields or text), `sourcemod_enabled` a checkbox, ' +
      '`sourcemod_admins` one `SteamID flags name` per line.',
    body: { json: newBlueprintSchema('json'), form: newBlueprintSchema('form') },
    responses: {
      201: { description: 'Created', schema: idJson },
      400: invalidInput,
      409: failure('blueprint name already in use'),
    },
  },
  'GET /blueprints/:id': {
    tag: 'blueprints',
    summary: 'One blueprint',
    responses: {
      200: { description: 'The blueprint', schema: blueprintJson },
      404: notFoundAnswer('blueprint'),
    },
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
};
