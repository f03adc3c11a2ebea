import { z } from 'zod';

/**
 * How a feature describes its JSON routes for the OpenAPI document (src/openapi/ assembles them):
 * bodies are the zod schemas the handlers parse with, answers are zod schemas checked against the
 * types the handlers send.
 */
export interface Operation {
  summary: string;
  description?: string;
  tag:
    | 'auth'
    | 'account'
    | 'users'
    | 'blueprints'
    | 'addons'
    | 'servers'
    | 'members'
    | 'dashboard'
    | 'install'
    | 'schedules'
    | 'webhooks'
    | 'audit'
    | 'nodes'
    | 'meta';
  /** Reachable without a session. */
  public?: boolean;
  /** The JSON body and, for routes that forms also reach, the form body. */
  body?: { json: z.ZodType; form?: z.ZodType };
  /** The query string's parameters (an object schema). */
  query?: z.ZodType;
  responses: Record<number, Answer>;
}

export interface Answer {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

/** A feature's operations, keyed by "METHOD url" as Fastify registers the route. */
export type Operations = Record<string, Operation>;

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when `Schema`'s output is exactly `Type`: a documented answer cannot drift from the one sent. */
export function sameAs<Type>() {
  return <Schema extends z.ZodType>(
    schema: Schema & (Equal<z.output<Schema>, Type> extends true ? unknown : never),
  ) => schema;
}

export const timestamp = z.string().meta({ description: 'ISO-8601 time', format: 'date-time' });

/** What every failure answers in JSON (src/http/respond.ts). */
export const errorJson = z
  .object({
    error: z.string(),
    fields: z
      .record(z.string(), z.string())
      .optional()
      .meta({ description: 'On a 400: why each field was refused' }),
  })
  .meta({ title: 'Error' });

export const idJson = z.object({ id: z.number().int() });
export const outputJson = z.object({ output: z.string().meta({ description: 'What the server replied' }) });

/** A failure with its message. */
export const failure = (description: string): Answer => ({ description, schema: errorJson });
export const invalidInput = failure('Invalid input: `fields` names each refused field');
export const notFoundAnswer = (what: string) => failure(`${what} not found (or another user's)`);

/** A text/event-stream answer. */
export const eventStream = (description: string): Answer => ({
  description,
  schema: z
    .string()
    .meta({ description: 'text/event-stream; each event is named by its `type`, its data is JSON' }),
  contentType: 'text/event-stream',
});

/** The HTML form's route that does what a JSON route does (POST for PATCH or DELETE): the same answers. */
export const formTwin = (operation: Operation, summary: string, form?: z.ZodType): Operation => ({
  ...operation,
  summary,
  ...(form && operation.body && { body: { json: operation.body.json, form } }),
});
