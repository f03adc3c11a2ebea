import { z } from 'zod';
import { type BodySource, idField, nameField, parseBody, portField } from '../http/input.js';

export function serverSchema(source: BodySource) {
  return z.strictObject({ name: nameField(128), port: portField(source), blueprint_id: idField(source) });
}

export type ServerInput = z.output<ReturnType<typeof serverSchema>>;

const schemas = { form: serverSchema('form'), json: serverSchema('json') };

export function parseNewServer(body: unknown, source: BodySource): ServerInput {
  return parseBody(schemas[source], body);
}

/** A change to a server: any subset of name, port and blueprint_id. */
export function parseServerChange(body: unknown, source: BodySource): Partial<ServerInput> {
  return parseBody(schemas[source].partial(), body);
}
