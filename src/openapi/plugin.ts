import { readFileSync } from 'node:fs';
import fastifySwagger from '@fastify/swagger';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { sessionCookie } from '../auth/sessions.js';
import { failure, type Operation } from '../http/operation.js';
import { htmlOnlyRoutes, operations } from './operations.js';

/** The panel's version, from package.json (one level above src/ and dist/). */
function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
}

/** A zod schema as JSON Schema (2020-12, which OpenAPI 3.1 uses), without the `$schema` line. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

/** An operation as the route schema @fastify/swagger reads; it only documents, nothing validates with it. */
function routeSchemaOf(operation: Operation): FastifySchema & Record<string, unknown> {
  // Every route behind a sign-in may answer 401, whether to a missing session or a bad token.
  const answers =
    operation.public || operation.responses[401]
      ? operation.responses
      : { ...operation.responses, 401: failure('login required; or: invalid token') };
  const responses = Object.entries(answers).map(([status, response]) => [
    status,
    response.schema
      ? {
          description: response.description,
          content: {
            [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema, 'output') },
          },
        }
      : { description: response.description, type: 'null' },
  ]);
  return {
    summary: operation.summary,
    ...(operation.description && { description: operation.description }),
    tags: [operation.tag],
    ...(operation.public && { security: [] }),
    ...(operation.query && { querystring: jsonSchema(operation.query, 'input') }),
    ...(operation.body && {
      body: {
        content: {
          'application/json': { schema: jsonSchema(operation.body.json, 'input') },
          ...(operation.body.form && {
            'application/x-www-form-urlencoded': { schema: jsonSchema(operation.body.form, 'input') },
          }),
        },
      },
    }),
    response: Object.fromEntries(responses),
  };
}

/**
 * GET /openapi.json: the JSON API, generated from the registered routes and the zod schemas their
 * handlers parse with (see operations.ts). The schemas reach only the document, through swagger's
 * transform: Fastify neither validates nor serializes with them, so every route behaves as before.
 * Must be registered before the routes it describes; registerOpenApiRoute serves it.
 */
export async function registerOpenApi(app: FastifyInstance, version = packageVersion()): Promise<void> {
  const undocumented = new Set<string>();
  undocumentedByApp.set(app, undocumented);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'l4d2web',
        version,
        description:
          'A self-hosted panel that runs Left 4 Dead 2 dedicated servers. Send `Accept: application/json` ' +
          '(or a JSON body) for JSON answers; errors are `{"error": "..."}`, and a 400 adds `fields`. ' +
          'Sign in with POST /login and keep its session cookie (an unsafe request with an `Origin` of ' +
          'another site is then refused, 403), or send an API token (GET /account, POST /account/tokens) as ' +
          '`Authorization: Bearer <token>`: no cookie, no CSRF check, JSON answers. A `read` token may only ' +
          'read (others 403 "token is read-only"); a revoked, expired or unknown token is 401 "invalid token".',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: sessionCookie },
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from POST /account/tokens' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: ({ route, url }) => {
      const key = `${Array.isArray(route.method) ? route.method.join(',') : route.method} ${route.url}`;
      const operation = operations[key];
      if (!operation && !route.url.startsWith('/static/') && !htmlOnlyRoutes.includes(key))
        undocumented.add(key);
      return { url, schema: operation ? routeSchemaOf(operation) : { hide: true } };
    },
  });
}

const undocumentedByApp = new WeakMap<FastifyInstance, Set<string>>();

/** Routes that answer JSON but are missing from operations.ts (known once the document was built). */
export function undocumentedRoutes(app: FastifyInstance): string[] {
  return [...(undocumentedByApp.get(app) ?? [])].sort();
}

/** GET /openapi.json, public; registered with the other routes, after the app's hooks. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get('/openapi.json', { config: { public: true, sessionless: true } }, async () => app.swagger());
}
