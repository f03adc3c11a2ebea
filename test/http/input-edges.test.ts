/**
 * Input edges (design/hardening.md): game ports 1034-65535, so the client port stays >= 1024; names
 * and launch arguments refuse controls, formatting marks, line/paragraph separators and lone
 * surrogates, wherever they stand.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

const PORT_RANGE = 'must be a whole number from 1034 to 65535';

/** [what, character, how the message names it]. */
const invisibles: [string, string, string][] = [
  ['a zero-width space', '\u200b', 'U+200B'],
  ['a right-to-left override', '\u202e', 'U+202E'],
  ['a line separator', '\u2028', 'U+2028'],
  ['a paragraph separator', '\u2029', 'U+2029'],
  ['a byte-order mark', '\ufeff', 'U+FEFF'],
  ['a soft hyphen', '\u00ad', 'U+00AD'],
  ['a tab', '\t', 'U+0009'],
  ['a C1 control', '\u0085', 'U+0085'],
];

describe.each(testDialects())('input edges (%s)', (dialect) => {
  let t: TestApp;
  let script: Client;
  let browser: Client;
  let blueprintId: number;
  let serverId: number;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
    script = await signUp(t.app, 'alice');
    browser = await logIn(t.app, 'alice', 'form');
    blueprintId = await createBlueprint(script);
    serverId = await createServer(script, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
  });
  afterAll(() => t.close());
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeEach(async () => {
    before = await snapshot(t.database);
  });

  const sendJson = (method: 'POST' | 'PATCH', url: string, payload: string) =>
    script.send(method, url, { payload, headers: { 'content-type': 'application/json' } });

  it.each([1033, 1024, 1, 65536])(
    'refuses port %i on create and change, as JSON and in a form',
    async (port) => {
      const created = await script.post('/servers', { name: 'beta', port, blueprint_id: blueprintId });
      expect(created.json()).toEqual({ error: `port: ${PORT_RANGE}`, fields: { port: PORT_RANGE } });
      const changed = await script.patch(`/servers/${serverId}`, { port: String(port) });
      expect([changed.statusCode, changed.json().fields]).toEqual([400, { port: PORT_RANGE }]);
      const form = await browser.post('/servers', {
        name: 'beta',
        port: String(port),
        blueprint_id: String(blueprintId),
      });
      expect(form.statusCode).toBe(400);
      expect(form.body).toContain(`port: ${PORT_RANGE}`);
      expect(await snapshot(t.database)).toEqual(before);
    },
  );

  it('accepts 1034, whose client port is 1024, and 65535', async () => {
    const low = await createServer(script, { name: 'low', port: 1034, blueprint_id: blueprintId });
    const high = await createServer(script, { name: 'high', port: 65535, blueprint_id: blueprintId });
    const ports = await t.database.db
      .selectFrom('server_ports')
      .select(['port', 'purpose'])
      .where('server_id', 'in', [low, high])
      .orderBy('port')
      .execute();
    expect(ports).toEqual([
      { port: 1024, purpose: 'client' },
      { port: 1034, purpose: 'game' },
      { port: 65525, purpose: 'client' },
      { port: 65535, purpose: 'game' },
    ]);
    await script.delete(`/servers/${low}`);
    await script.delete(`/servers/${high}`);
  });

  it.each(invisibles)(
    'refuses %s in server and blueprint names, wherever it stands',
    async (_what, char, label) => {
      const reason = `must not contain control or invisible characters (${label})`;
      for (const name of [`al${char}pha`, `${char}beta`, `gamma${char}`]) {
        const attempts = [
          await script.post('/servers', { name, port: 28015, blueprint_id: blueprintId }),
          await script.patch(`/servers/${serverId}`, { name }),
          await script.post('/blueprints', { name }),
          await script.patch(`/blueprints/${blueprintId}`, { name }),
        ];
        for (const response of attempts)
          expect(response.json()).toEqual({ error: `name: ${reason}`, fields: { name: reason } });
      }
      const form = await browser.post('/servers', {
        name: `x${char}y`,
        port: '28015',
        blueprint_id: String(blueprintId),
      });
      expect(form.statusCode).toBe(400);
      expect(form.body).toContain(`name: ${reason}`);
      expect(await snapshot(t.database)).toEqual(before);
    },
  );

  it.each(invisibles)('refuses %s in a launch argument', async (_what, char, label) => {
    const response = await script.post('/blueprints', { name: 'new', arguments: [`+hostname a${char}b`] });
    expect(response.statusCode).toBe(400);
    const escaped = `\\u${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    expect(response.json().fields).toEqual({
      arguments: `"+hostname a${escaped}b" contains ${label}, which is not printable ASCII`,
    });
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('refuses a lone surrogate sent as JSON ("\\ud800") in names and arguments', async () => {
    const reason = (hex: string) =>
      `must not contain control or invisible characters (a lone surrogate (U+${hex}))`;
    const attempts: ['POST' | 'PATCH', string, string, string][] = [
      ['POST', '/servers', `{"name":"a\\ud800b","port":28015,"blueprint_id":${blueprintId}}`, 'D800'],
      ['PATCH', `/servers/${serverId}`, '{"name":"\\ud800"}', 'D800'],
      ['POST', '/blueprints', '{"name":"x\\udfff"}', 'DFFF'],
      ['PATCH', `/blueprints/${blueprintId}`, '{"name":"x\\ud800"}', 'D800'],
    ];
    for (const [method, url, payload, hex] of attempts) {
      const response = await sendJson(method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(400);
      expect(response.json()).toEqual({ error: `name: ${reason(hex)}`, fields: { name: reason(hex) } });
    }
    const argument = await sendJson(
      'POST',
      '/blueprints',
      '{"name":"new","arguments":["+hostname a\\ud800"]}',
    );
    expect(argument.json().fields).toEqual({
      arguments: '"+hostname a\\uD800" contains a lone surrogate (U+D800), which is not printable ASCII',
    });
    expect(await snapshot(t.database)).toEqual(before);
  });

  it('refuses a username with a zero-width space', async () => {
    const response = await script.post('/register', { username: 'bo\u200bb', password: 'long enough' });
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json().fields)).toEqual(['username']);
    expect(await snapshot(t.database)).toEqual(before);
  });
});
