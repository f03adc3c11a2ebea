import { z } from 'zod';
import { addonKinds, addonStates } from '../db/schema.js';
import {
  eventStream,
  failure,
  formTwin,
  idJson,
  notFoundAnswer,
  type Operation,
  type Operations,
  sameAs,
} from '../http/operation.js';
import type { SourcemodSettings } from './blueprint-addons.js';
import { workshopSchema } from './input.js';
import type { Addon } from './library.js';

/** An addon as the JSON API shows it (design/addons.md). */
export const addonJson = sameAs<Addon>()(
  z
    .object({
      id: z.number().int(),
      kind: z.enum(addonKinds),
      workshop_id: z.string().nullable(),
      title: z.string(),
      filename: z.string().meta({ description: 'The name servers see (one dot)' }),
      size: z.number().int(),
      time_updated: z
        .number()
        .int()
        .meta({ description: "Steam's time_updated of the stored file; 0 for uploads" }),
      state: z.enum(addonStates),
      percent: z.number().int(),
      error: z.string(),
      maps: z.array(z.string()).meta({ description: 'The maps/*.bsp inside a VPK' }),
    })
    .meta({ title: 'Addon' }),
);

/** A blueprint's SourceMod settings as JSON shows them. */
export const sourcemodJson = sameAs<SourcemodSettings>()(
  z.object({
    enabled: z.boolean(),
    admins: z.array(z.object({ steamid: z.string(), flags: z.string(), name: z.string() })),
    plugins: z.array(z.number().int()),
  }),
);

const deleteAddon: Operation = {
  tag: 'addons',
  summary: 'Delete an addon no blueprint uses',
  responses: {
    204: { description: 'Deleted (its file too, when no other addon holds the same)' },
    403: failure('only an admin can delete a shared SourceMod, Metamod:Source or plugin addon'),
    404: notFoundAnswer('addon'),
    409: failure('addon is used by N blueprints'),
  },
};

/** The addon routes, for the OpenAPI document. */
export const addonOperations: Operations = {
  'GET /addons': {
    tag: 'addons',
    summary:
      "The addons you may see: your own, everyone's SourceMod, Metamod:Source and plugins (admins: all)",
    responses: { 200: { description: 'The library', schema: z.object({ addons: z.array(addonJson) }) } },
  },
  'POST /addons': {
    tag: 'addons',
    summary: 'Add a Workshop item, or each item of a collection (nested collections once)',
    description:
      '`workshop`: the item or collection id, or its steamcommunity.com link. Downloads run after the answer.',
    body: { json: workshopSchema, form: workshopSchema },
    responses: {
      202: { description: 'The addon ids, in order', schema: z.object({ ids: z.array(z.number().int()) }) },
      400: failure('item N not found, is not a Left 4 Dead 2 item, or has no public download'),
      502: failure('the Steam Web API did not answer'),
    },
  },
  'POST /addons/upload': {
    tag: 'addons',
    summary:
      'Upload a .vpk, a SourceMod or Metamod:Source Linux .tar.gz, or a .smx plugin (multipart, field `file`)',
    description:
      'The type is decided by the content. SourceMod, Metamod:Source and plugins only from an admin.',
    responses: {
      201: { description: 'Stored', schema: idJson },
      400: failure('not a VPK, SourceMod, Metamod:Source or plugin file (or an archive entry refused)'),
      403: failure('only an admin can upload SourceMod, Metamod:Source or plugin files'),
      413: failure('file is larger than MAX_UPLOAD_MB'),
      415: failure('not multipart/form-data'),
    },
  },
  'POST /addons/refresh': {
    tag: 'addons',
    summary:
      'Check every Workshop item for a newer version now (admins; the update check does it periodically)',
    responses: {
      202: {
        description: 'The Workshop ids being updated',
        schema: z.object({ updating: z.array(z.string()) }),
      },
      403: failure('only an admin can check every Workshop item'),
      502: failure('the Steam Web API did not answer'),
    },
  },
  'GET /addons/events': {
    tag: 'addons',
    summary: 'The addons you may see as they change: `addon` (an Addon), `removed` ({id})',
    responses: { 200: eventStream('Addon changes') },
  },
  'GET /addons/:id': {
    tag: 'addons',
    summary: 'One addon',
    responses: { 200: { description: 'The addon', schema: addonJson }, 404: notFoundAnswer('addon') },
  },
  'DELETE /addons/:id': deleteAddon,
  'POST /addons/:id/delete': formTwin(deleteAddon, 'Delete an addon (the HTML form; same as DELETE)'),
};
