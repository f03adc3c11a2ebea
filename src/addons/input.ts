import { z } from 'zod';
import { type BodySource, parseBody } from '../http/input.js';
import type { SourcemodSettings } from './blueprint-addons.js';
import { MAX_ADMINS } from './sourcemod-admins.js';

/** POST /addons: `workshop`, an item or collection id or its steamcommunity.com link. */
export const workshopSchema = z.strictObject({
  workshop: z.union(
    [
      z.string().max(512, 'must be at most 512 characters'),
      // JSON may give the id as a number.
      z
        .number()
        .int()
        .nonnegative()
        .transform((id) => String(id)),
    ],
    { error: 'must be a Workshop id or link' },
  ),
});

export function parseWorkshopBody(body: unknown): string {
  return parseBody(workshopSchema, body).workshop;
}

const MAX_IDS = 100;
const ID = /^[1-9]\d{0,8}$/;
const idsMessage = 'must be addon ids';

/** Ids as JSON gives them: an array of positive whole numbers. */
const jsonIds = z
  .array(z.number({ error: idsMessage }).int(idsMessage).min(1, idsMessage).max(999_999_999, idsMessage), {
    error: 'must be an array of addon ids',
  })
  .max(MAX_IDS, `at most ${MAX_IDS} addons`);

/**
 * Ids as a form gives them: checkbox values (one or several fields of the same name; the form adds an
 * empty one so that "none ticked" still arrives) or text with ids separated by commas or spaces.
 */
const formIds = z
  .union([z.string(), z.array(z.string())], { error: idsMessage })
  .transform((value, context) => {
    const words = [value]
      .flat()
      .flatMap((text) => text.split(/[\s,]+/))
      .filter((word) => word !== '');
    if (!words.every((word) => ID.test(word))) {
      context.addIssue({ code: 'custom', message: idsMessage });
      return z.NEVER;
    }
    return words.map(Number);
  })
  .pipe(jsonIds);

export const addonIdsField = (source: BodySource) => (source === 'json' ? jsonIds : formIds);

const adminSchema = z.strictObject({
  steamid: z.string({ error: 'must be text' }).max(64, 'must be at most 64 characters'),
  flags: z.string({ error: 'must be text' }).max(64, 'must be at most 64 characters'),
  name: z.string({ error: 'must be text' }).max(200, 'must be at most 200 characters').default(''),
});

/** A blueprint's `sourcemod` in JSON: {enabled, admins: [{steamid, flags, name}], plugins: [ids]}. */
export const sourcemodJsonField = z.strictObject({
  enabled: z.boolean({ error: 'must be true or false' }),
  admins: z.array(adminSchema, { error: 'must be an array of admins' }).max(MAX_ADMINS).default([]),
  plugins: jsonIds.default([]),
});

/**
 * The admins textarea: one admin per line, `SteamID flags [name]` (`STEAM_0:1:123 99:z Alice`).
 * What the SteamID and the flags must look like is checked with the rest of the blueprint's addons.
 */
const adminLines = z.string({ error: 'must be text' }).transform((text, context) => {
  const admins = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const [steamid, flags, ...name] = line.trim().split(/\s+/);
    if (!steamid) continue;
    if (!flags) {
      context.addIssue({
        code: 'custom',
        message: `line ${index + 1} must be a SteamID, flags and a name (optional)`,
      });
      return z.NEVER;
    }
    admins.push({ steamid, flags, name: name.join(' ') });
  }
  return admins;
});

/** A checkbox after its hidden "false": the last value sent wins. */
const checkbox = z
  .union([z.string(), z.array(z.string())], { error: 'must be true or false' })
  .transform((value) => ['true', 'on', '1', 'yes'].includes([value].flat().at(-1) ?? ''));

/** The blueprint form's SourceMod fields; `sourcemodFromForm` turns them into `sourcemod`. */
export const sourcemodFormFields = {
  sourcemod_enabled: checkbox,
  sourcemod_admins: adminLines,
  sourcemod_plugins: formIds,
};

export type SourcemodFormFields = {
  sourcemod_enabled?: boolean;
  sourcemod_admins?: SourcemodSettings['admins'];
  sourcemod_plugins?: number[];
};

/** The SourceMod settings a form sent, or undefined when it sent none of the fields. */
export function sourcemodFromForm(fields: SourcemodFormFields): SourcemodSettings | undefined {
  const { sourcemod_enabled, sourcemod_admins, sourcemod_plugins } = fields;
  if (sourcemod_enabled === undefined && sourcemod_admins === undefined && sourcemod_plugins === undefined)
    return undefined;
  return {
    enabled: sourcemod_enabled ?? false,
    admins: sourcemod_admins ?? [],
    plugins: sourcemod_plugins ?? [],
  };
}
