import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  asInPage,
  type Client,
  createBlueprint,
  logIn,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

const cpuMessage =
  'must be a number of cores from 0.1 to 256 with at most two decimals (e.g. 1.5), or empty for no limit';
const memoryMessage = 'must be a whole number of MB from 64 to 1048576, or empty for no limit';

describe.each(testDialects())('blueprint CPU and memory limits (%s)', (dialect) => {
  let t: TestApp;
  let script: Client;
  beforeEach(async () => {
    t = await startTestApp({ dialect });
    script = await signUp(t.app, 'alice');
  });
  afterEach(() => t.close());

  it('are none unless given, kept as given, and cleared with null', async () => {
    const bare = await createBlueprint(script, { name: 'bare' });
    expect((await script.get(`/blueprints/${bare}`)).json()).toMatchObject({
      cpu_limit: null,
      memory_limit_mb: null,
    });
    const id = await createBlueprint(script, { name: 'limited', cpu_limit: 1.5, memory_limit_mb: 2048 });
    expect((await script.get(`/blueprints/${id}`)).json()).toMatchObject({
      cpu_limit: 1.5,
      memory_limit_mb: 2048,
    });
    const changed = await script.patch(`/blueprints/${id}`, { cpu_limit: null });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ cpu_limit: null, memory_limit_mb: 2048 });
    const row = await t.database.db
      .selectFrom('blueprints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect([row.cpu_limit, row.memory_limit_mb]).toEqual([null, 2048]);
  });

  it.each([
    ['cpu_limit', 0, cpuMessage],
    ['cpu_limit', 300, cpuMessage],
    ['cpu_limit', 1.234, cpuMessage],
    ['cpu_limit', 'lots', cpuMessage],
    ['memory_limit_mb', 32, memoryMessage],
    ['memory_limit_mb', 2_000_000, memoryMessage],
    ['memory_limit_mb', 512.5, memoryMessage],
    ['memory_limit_mb', true, memoryMessage],
  ])(
    'refuses %s %j with a 400 naming it, on create and change, changing nothing',
    async (field, value, message) => {
      const id = await createBlueprint(script, { name: 'coop', cpu_limit: 2, memory_limit_mb: 1024 });
      const before = await snapshot(t.database);
      for (const response of [
        await script.post('/blueprints', { name: 'other', [field]: value }),
        await script.patch(`/blueprints/${id}`, { [field]: value }),
      ]) {
        expect(response.statusCode).toBe(400);
        expect(response.json()).toEqual({ error: `${field}: ${message}`, fields: { [field]: message } });
      }
      expect(await snapshot(t.database)).toEqual(before);
    },
  );

  it('takes them from the form (empty: none) and shows them in it; a bad one is shown with its message', async () => {
    const browser = await logIn(t.app, 'alice', 'form');
    const form = { name: 'form-made', arguments: '', config: '', cpu_limit: '0.5', memory_limit_mb: '' };
    const created = await browser.post('/blueprints', form);
    expect(created.statusCode).toBe(302);
    const id = Number(/\/blueprints\/(\d+)$/.exec(created.headers.location as string)?.[1]);
    const row = await t.database.db
      .selectFrom('blueprints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect([row.cpu_limit, row.memory_limit_mb]).toEqual([0.5, null]);
    const page = (await browser.get(`/blueprints/${id}`)).body;
    expect(page).toContain('name="cpu_limit" value="0.5"');
    expect(page).toMatch(/name="memory_limit_mb" value[ />]/);

    const refused = await browser.post(`/blueprints/${id}`, { ...form, memory_limit_mb: '16' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain(asInPage(memoryMessage));
    expect(refused.body).toContain('name="memory_limit_mb" value="16"');
    const list = (await browser.get('/blueprints')).body;
    expect(list).toContain('0.5 cores');
  });
});
