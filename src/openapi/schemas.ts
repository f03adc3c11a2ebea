import { z } from 'zod';
import type { Blueprint } from '../blueprints/blueprints.js';
import { actualStates, desiredStates, type Role } from '../db/schema.js';
import type { Server } from '../servers/servers.js';
import type { LiveStatus } from '../supervisor/control.js';

/**
 * What the JSON API answers, as zod schemas for the OpenAPI document. Each is checked at compile
 * time against the TypeScript type the handlers send, so the two cannot drift apart.
 */

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Compiles only when `Schema`'s output is exactly `Type`. */
function sameAs<Type>() {
  return <Schema extends z.ZodType>(
    schema: Schema & (Equal<z.output<Schema>, Type> extends true ? unknown : never),
  ) => schema;
}

const timestamp = z.string().meta({ description: 'ISO-8601 time', format: 'date-time' });

export const liveStatusJson = sameAs<LiveStatus>()(
  z
    .object({ map: z.string(), players: z.number().int(), max_players: z.number().int() })
    .meta({ title: 'LiveStatus', description: 'Live facts from an A2S query of a running server' }),
);

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
      created_at: timestamp,
      updated_at: timestamp,
      live: liveStatusJson.nullable(),
    })
    .meta({ title: 'Server' }),
);

export const blueprintJson = sameAs<Blueprint>()(
  z
    .object({
      id: z.number().int(),
      name: z.string(),
      arguments: z.array(z.string()),
      config: z.array(z.string()),
      created_at: timestamp,
      updated_at: timestamp,
    })
    .meta({ title: 'Blueprint' }),
);

export const userJson = sameAs<{ id: number; username: string; role: Role; created_at: string }>()(
  z
    .object({
      id: z.number().int(),
      username: z.string(),
      role: z.enum(['admin', 'user']),
      created_at: timestamp,
    })
    .meta({ title: 'User' }),
);

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
