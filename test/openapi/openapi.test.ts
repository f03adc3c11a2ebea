import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blueprintJson } from '../../src/blueprints/api.js';
import { operations } from '../../src/openapi/operations.js';
import { undocumentedRoutes } from '../../src/openapi/plugin.js';
import { serverJson } from '../../src/servers/api.js';
import { Client, signUp, startTestApp, type TestApp } from '../helpers/app.js';

describe('GET /openapi.json', () => {
  let test: TestApp;
  let client: Client;
  beforeAll(async () => {
    test = await startTestApp();
    client = await signUp(test.app, 'openapi-user');
  });
  afterAll(() => test.close());

  async function documentOf() {
    const response = await test.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return response.json();
  }

  it('is public: no session needed', async () => {
    const response = await new Client(test.app, 'form').get('/openapi.json');
    expect(response.statusCode).toBe(200);
  });

  it('covers every route that answers JSON, and only routes that exist', async () => {
    const doc = await documentOf();
    expect(undocumentedRoutes(test.app)).toEqual([]);
    for (const key of Object.keys(operations)) {
      const [method = '', url = ''] = key.split(' ');
      expect(test.app.hasRoute({ method: method as 'GET', url }), key).toBe(true);
      const path = url.replace(/:(\w+)/g, '{$1}');
      expect(doc.paths[path]?.[method.toLowerCase()], key).toBeDefined();
    }
    expect(doc.paths['/login'].get).toBeUndefined();
    expect(Object.keys(doc.paths).some((path) => path.startsWith('/static'))).toBe(false);
  });

  it('documents request bodies from the zod schemas the handlers parse with', async () => {
    const doc = await documentOf();
    const create = doc.paths['/servers'].post;
    const json = create.requestBody.content['application/json'].schema;
    expect(json.required).toEqual(['name', 'port', 'blueprint_id']);
    expect(json.additionalProperties).toBe(false);
    expect(json.properties.name).toMatchObject({ type: 'string', maxLength: 128 });
    const form = create.requestBody.content['application/x-www-form-urlencoded'].schema;
    expect(form.properties.port).toMatchObject({ type: 'string' });
    expect(create.responses['409'].content['application/json'].schema.required).toEqual(['error']);
    expect(doc.paths['/servers/{id}'].get.parameters).toEqual([
      expect.objectContaining({ in: 'path', name: 'id', required: true }),
    ]);
    expect(doc.paths['/servers/{id}/events'].get.responses['200'].content).toHaveProperty(
      'text/event-stream',
    );
  });

  it('marks public routes and requires the session cookie or a bearer token elsewhere', async () => {
    const doc = await documentOf();
    expect(doc.components.securitySchemes.session).toEqual({
      type: 'apiKey',
      in: 'cookie',
      name: 'l4d2web_session',
    });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ session: [] }, { bearer: [] }]);
    expect(doc.paths['/servers'].get.responses['401']).toBeDefined();
    expect(doc.paths['/login'].post.security).toEqual([]);
    expect(doc.paths['/servers'].get.security).toBeUndefined();
  });

  it('leaves the routes as they were: the handlers still validate, with the contract error format', async () => {
    const bad = await client.post('/servers', { name: 'x', port: 'eighty', blueprint_id: 1, extra: true });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      error: expect.stringMatching(/^port: /),
      fields: { port: expect.any(String), extra: 'is not a known field' },
    });
    const malformed = await client.request('POST', '/blueprints', undefined, {
      'content-type': 'application/json',
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('describes what the routes really answer', async () => {
    const blueprint = await client.post('/blueprints', {
      name: 'shapes',
      arguments: ['+map c1m1_hotel'],
      config: [],
    });
    const { id: blueprintId } = blueprint.json();
    const server = await client.post('/servers', { name: 'shapes', port: 40123, blueprint_id: blueprintId });
    const { id } = server.json();
    blueprintJson.parse((await client.get(`/blueprints/${blueprintId}`)).json());
    serverJson.parse((await client.get(`/servers/${id}`)).json());
    for (const listed of (await client.get('/servers')).json().servers) serverJson.parse(listed);
    for (const listed of (await client.get('/')).json().servers) serverJson.parse(listed);
  });
});
