import { z } from 'zod';
import type { SourcemodSettings } from '../addons/blueprint-addons.js';
import {
  addonIdsField,
  type SourcemodFormFields,
  sourcemodFormFields,
  sourcemodFromForm,
  sourcemodJsonField,
} from '../addons/input.js';
import { type BodySource, nameField, parseBody, refusedBy, stringListField } from '../http/input.js';
import { argumentsProblems, configProblems } from '../launch/grammar.js';
import { cpuLimitField, memoryLimitField } from '../launch/limits.js';

/** A list refused with the first problem the grammar (src/launch/grammar.ts) finds in it. */
const checkedList = (source: BodySource, problems: (items: string[]) => string[]) =>
  stringListField(source).superRefine(refusedBy((items: string[]) => problems(items)[0]));

const fields = (source: BodySource) => ({
  name: nameField(128),
  arguments: checkedList(source, argumentsProblems),
  config: checkedList(source, configProblems),
  addons: addonIdsField(source),
  cpu_limit: cpuLimitField(source),
  memory_limit_mb: memoryLimitField(source),
});

/**
 * A blueprint's fields. JSON gives `sourcemod` as one object; the form gives its parts as
 * `sourcemod_enabled`, `sourcemod_admins` (one `SteamID flags name` per line) and `sourcemod_plugins`.
 */
export function blueprintSchema(source: BodySource) {
  return source === 'json'
    ? z.strictObject({ ...fields(source), sourcemod: sourcemodJsonField })
    : z.strictObject({ ...fields(source), ...sourcemodFormFields });
}

export interface BlueprintInput {
  name: string;
  arguments: string[];
  config: string[];
  /** Cores and MB the docker and swarm runtimes hold its servers to; null: no limit. */
  cpu_limit: number | null;
  memory_limit_mb: number | null;
  /** Left out: unchanged (new blueprints: none). */
  addons?: number[];
  sourcemod?: SourcemodSettings;
}

const schemas = {
  form: blueprintSchema('form'),
  json: blueprintSchema('json'),
};

/** A new blueprint's fields: the name is required, the rest may be left out. */
export const newBlueprintSchema = (source: BodySource) => {
  const schema = blueprintSchema(source);
  return schema.partial().extend({ name: schema.shape.name });
};

const newSchemas = { form: newBlueprintSchema('form'), json: newBlueprintSchema('json') };

/** The parsed fields as one shape, whichever form they came in. */
function asInput(parsed: Partial<BlueprintInput> & SourcemodFormFields): Partial<BlueprintInput> {
  const { sourcemod_enabled, sourcemod_admins, sourcemod_plugins, ...rest } = parsed;
  const fromForm = sourcemodFromForm({ sourcemod_enabled, sourcemod_admins, sourcemod_plugins });
  return fromForm ? { ...rest, sourcemod: fromForm } : rest;
}

/** A new blueprint: name required, arguments and config default to empty, limits to none. */
export function parseNewBlueprint(body: unknown, source: BodySource): BlueprintInput {
  const parsed = asInput(parseBody(newSchemas[source], body));
  return {
    arguments: [],
    config: [],
    cpu_limit: null,
    memory_limit_mb: null,
    ...parsed,
    name: parsed.name ?? '',
  };
}

/** A change to a blueprint: any subset of the fields. */
export function parseBlueprintChange(body: unknown, source: BodySource): Partial<BlueprintInput> {
  return asInput(parseBody(schemas[source].partial(), body));
}
