import { z } from 'zod';
import { type BodySource, nameField, parseBody, refusedBy, stringListField } from '../http/input.js';
import { argumentsProblems, configProblems } from '../launch/grammar.js';

/** A list refused with the first problem the grammar (src/launch/grammar.ts) finds in it. */
const checkedList = (source: BodySource, problems: (items: string[]) => string[]) =>
  stringListField(source).superRefine(refusedBy((items: string[]) => problems(items)[0]));

export function blueprintSchema(source: BodySource) {
  return z.strictObject({
    name: nameField(128),
    arguments: checkedList(source, argumentsProblems),
    config: checkedList(source, configProblems),
  });
}

export type BlueprintInput = z.output<ReturnType<typeof blueprintSchema>>;

const schemas = {
  form: blueprintSchema('form'),
  json: blueprintSchema('json'),
};

/** A new blueprint's fields: the name is required, arguments and config may be left out. */
export const newBlueprintSchema = (source: BodySource) =>
  blueprintSchema(source).partial({ arguments: true, config: true });

const newSchemas = { form: newBlueprintSchema('form'), json: newBlueprintSchema('json') };

/** A new blueprint: name required, arguments and config default to empty. */
export function parseNewBlueprint(body: unknown, source: BodySource): BlueprintInput {
  return { arguments: [], config: [], ...parseBody(newSchemas[source], body) };
}

/** A change to a blueprint: any subset of the fields. */
export function parseBlueprintChange(body: unknown, source: BodySource): Partial<BlueprintInput> {
  return parseBody(schemas[source].partial(), body);
}
