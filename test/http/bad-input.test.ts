import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Client,
  createBlueprint,
  createServer,
  signUp,
  snapshot,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { refusedOptions } from '../helpers/refusals.js';

// The ids the fixtures get on a fresh database: alice's blueprint 1 and server 1 (port 27015).
const S = '/servers/1';
const B = '/blueprints/1';
const server = (fields: Record<string, unknown>) => ({
  name: 'new',
  port: 28015,
  blueprint_id: 1,
  ...fields,
});
const blueprint = (fields: Record<string, unknown>) => ({ name: 'new', ...fields });

/** Every option design/hardening.md refuses. */
const panelOwned = refusedOptions.map(([option]) => option);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** [what, method, url, JSON body, status, text the error must mention]. */
type Case = [string, Method, string, unknown, number, string];

const wrongTypes: Case[] = [
  ['port "abc"', 'POST', '/servers', server({ port: 'abc' }), 400, 'port'],
  ['port true', 'POST', '/servers', server({ port: true }), 400, 'port'],
  ['port null', 'POST', '/servers', server({ port: null }), 400, 'port'],
  ['name 5', 'POST', '/servers', server({ name: 5 }), 400, 'name'],
  ['name as an array', 'POST', '/blueprints', { name: ['a'] }, 400, 'name'],
  ['blueprint_id "one"', 'POST', '/servers', server({ blueprint_id: 'one' }), 400, 'blueprint_id'],
  ['blueprint_id 1.5', 'POST', '/servers', server({ blueprint_id: 1.5 }), 400, 'blueprint_id'],
  [
    'blueprint_id too large',
    'POST',
    '/servers',
    server({ blueprint_id: 99_999_999_999 }),
    400,
    'blueprint_id',
  ],
  ['a missing name', 'POST', '/servers', { port: 28015, blueprint_id: 1 }, 400, 'name'],
  ['arguments "x"', 'POST', '/blueprints', blueprint({ arguments: 'x' }), 400, 'arguments'],
  ['arguments [1]', 'POST', '/blueprints', blueprint({ arguments: [1] }), 400, 'arguments'],
  ['config {}', 'POST', '/blueprints', blueprint({ config: {} }), 400, 'config'],
  ['config [null]', 'PATCH', B, { config: [null] }, 400, 'config'],
  ['rcon command 5', 'POST', `${S}/rcon`, { command: 5 }, 400, 'command'],
  ['an empty rcon command', 'POST', `${S}/rcon`, { command: ' ' }, 400, 'command'],
  ['a two-line rcon command', 'POST', `${S}/rcon`, { command: 'status\nquit' }, 400, 'command'],
  [
    'an rcon command setting rcon_password',
    'POST',
    `${S}/rcon`,
    { command: 'rcon_password x' },
    400,
    'command',
  ],
  ['login username 5', 'POST', '/login', { username: 5, password: 'x' }, 400, 'username'],
];

const unknownFields: Case[] = [
  ['color on a new server', 'POST', '/servers', server({ color: 'red' }), 400, 'color'],
  ['user_id on a new blueprint', 'POST', '/blueprints', blueprint({ user_id: 2 }), 400, 'user_id'],
  ['desired_state on a server change', 'PATCH', S, { desired_state: 'running' }, 400, 'desired_state'],
  ['rcon_password on a server change', 'PATCH', S, { rcon_password: 'x' }, 400, 'rcon_password'],
  ['id on a blueprint change', 'PATCH', B, { id: 7 }, 400, 'id'],
  ['force on start', 'POST', `${S}/start`, { force: true }, 400, 'force'],
  [
    'role on registration',
    'POST',
    '/register',
    { username: 'bob', password: 'long enough', role: 'admin' },
    400,
    'role',
  ],
];

const ids: Case[] = [
  ['/servers/abc', 'GET', '/servers/abc', undefined, 404, 'server not found'],
  ['/blueprints/1e3', 'GET', '/blueprints/1e3', undefined, 404, 'blueprint not found'],
  ['/servers/-1', 'GET', '/servers/-1', undefined, 404, 'server not found'],
  ['/servers/0', 'GET', '/servers/0', undefined, 404, 'server not found'],
  ['/servers/1.0', 'GET', '/servers/1.0', undefined, 404, 'server not found'],
  ['a 20-digit id', 'GET', '/servers/99999999999999999999', undefined, 404, 'server not found'],
  ['PATCH /servers/abc', 'PATCH', '/servers/abc', { name: 'x' }, 404, 'server not found'],
  ['DELETE /blueprints/x1', 'DELETE', '/blueprints/x1', undefined, 404, 'blueprint not found'],
  ['start /servers/1e0', 'POST', '/servers/1e0/start', undefined, 404, 'server not found'],
  ['rcon /servers/abc', 'POST', '/servers/abc/rcon', { command: 'status' }, 404, 'server not found'],
  ['a missing server', 'DELETE', '/servers/999', undefined, 404, 'server not found'],
  ['a missing blueprint', 'POST', '/servers', server({ blueprint_id: 999 }), 404, 'blueprint not found'],
];

const ports: Case[] = [
  ...['27015abc', '1e4', '0', '65536', '1023', ' 27015', '27015 ', '', '-28015', '28015.0', '0x6000'].map(
    (port): Case => [`port ${JSON.stringify(port)}`, 'POST', '/servers', server({ port }), 400, 'port'],
  ),
  ...[0, 1023, 65536, 28015.5, -28015].map(
    (port): Case => [`port ${port} (JSON number)`, 'POST', '/servers', server({ port }), 400, 'port'],
  ),
  ['port "1e4" on a change', 'PATCH', S, { port: '1e4' }, 400, 'port'],
];

const names: Case[] = [
  ...['a\u0001b', 'a\nb', 'a\u007fb', 'ab\u202ec', 'x'.repeat(129), '', '   '].flatMap((name): Case[] => [
    [`server name ${JSON.stringify(name.slice(0, 8))}`, 'POST', '/servers', server({ name }), 400, 'name'],
    [
      `blueprint name ${JSON.stringify(name.slice(0, 8))}`,
      'POST',
      '/blueprints',
      blueprint({ name }),
      400,
      'name',
    ],
  ]),
  ['a renamed server with a control character', 'PATCH', S, { name: 'a\tb' }, 400, 'name'],
];

const launchArguments: Case[] = [
  ...panelOwned.flatMap((option): Case[] => [
    [`argument ${option}`, 'POST', '/blueprints', blueprint({ arguments: [option] }), 400, option],
    [
      `argument "${option} 27015"`,
      'POST',
      '/blueprints',
      blueprint({ arguments: [`${option} 27015`] }),
      400,
      option,
    ],
    [
      `argument ${option.toUpperCase()}`,
      'PATCH',
      B,
      { arguments: ['+map c1m1_hotel', option.toUpperCase()] },
      400,
      option,
    ],
  ]),
  [
    '-port hidden after a space',
    'POST',
    '/blueprints',
    blueprint({ arguments: ['+map c1m1 -port 27016'] }),
    400,
    '-port',
  ],
  [
    '65 arguments',
    'POST',
    '/blueprints',
    blueprint({ arguments: Array(65).fill('-insecure') }),
    400,
    'at most 64',
  ],
  [
    'a 257-char argument',
    'POST',
    '/blueprints',
    blueprint({ arguments: [`+hostname ${'x'.repeat(247)}`] }),
    400,
    '256',
  ],
  [
    'an argument with a NUL',
    'POST',
    '/blueprints',
    blueprint({ arguments: ['+map\u0000c1m1'] }),
    400,
    'arguments',
  ],
  [
    'an argument with a line break',
    'POST',
    '/blueprints',
    blueprint({ arguments: ['+map\nc1m1'] }),
    400,
    'arguments',
  ],
];

const configLines: Case[] = [
  ['rcon_password', 'POST', '/blueprints', blueprint({ config: ['rcon_password secret'] }), 400, 'line 1'],
  ['RCON_PASSWORD on line 2', 'PATCH', B, { config: ['hostname x', 'RCON_PASSWORD y'] }, 400, 'line 2'],
  [
    'rcon_password after a ;',
    'POST',
    '/blueprints',
    blueprint({ config: ['sv_cheats 0; rcon_password y'] }),
    400,
    'line 1',
  ],
  [
    'non-ASCII',
    'POST',
    '/blueprints',
    blueprint({ config: ['hostname ok', 'hostname café'] }),
    400,
    'line 2',
  ],
  ['a line break', 'POST', '/blueprints', blueprint({ config: ['hostname a\nb'] }), 400, 'line 1'],
  [
    '513 characters',
    'POST',
    '/blueprints',
    blueprint({ config: [`hostname ${'x'.repeat(504)}`] }),
    400,
    'line 1',
  ],
  ['1001 lines', 'POST', '/blueprints', blueprint({ config: Array(1001).fill('sv_cheats 0') }), 400, '1000'],
];

describe.each(testDialects())('no input yields a 500 (%s)', (dialect) => {
  let t: TestApp;
  let alice: Client;
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
    alice = await signUp(t.app, 'alice');
    const blueprintId = await createBlueprint(alice);
    const serverId = await createServer(alice, { name: 'alpha', port: 27015, blueprint_id: blueprintId });
    expect([blueprintId, serverId]).toEqual([1, 1]);
    before = await snapshot(t.database);
  });
  afterAll(() => t.close());

  async function expectRefused(
    response: { statusCode: number; json(): unknown },
    status: number,
    mention: string,
  ) {
    expect(response.statusCode).toBe(status);
    const body = response.json() as { error: unknown; fields?: Record<string, string> };
    expect(body.error).toEqual(expect.any(String));
    expect(String(body.error).toLowerCase()).toContain(mention.toLowerCase());
    expect(await snapshot(t.database)).toEqual(before);
  }

  describe.each([
    ['wrong types', wrongTypes],
    ['unknown fields', unknownFields],
    ['ids that are not numbers', ids],
    ['ports', ports],
    ['names', names],
    ['launch arguments', launchArguments],
    ['cfg lines', configLines],
  ])('%s', (_group, cases) => {
    it.each(cases)('refuses %s', async (_what, method, url, body, status, mention) => {
      await expectRefused(await alice.request(method, url, body), status, mention);
    });
  });

  it('names the field of a 400 in fields', async () => {
    const response = await alice.post('/servers', server({ port: '1e4', name: '' }));
    expect(response.json().fields).toEqual({
      name: 'must not be empty',
      port: expect.stringContaining('1034'),
    });
  });

  it.each([
    ['malformed JSON', '{"name":', 400, 'body'],
    ['a JSON array', '[1, 2]', 400, 'body'],
    ['a JSON string', '"blueprint"', 400, 'body'],
    ['a JSON number', '42', 400, 'body'],
    ['JSON null', 'null', 400, 'body'],
    ['a __proto__ key', '{"name":"x","__proto__":{"admin":true}}', 400, ''],
  ])('refuses %s as the body', async (_what, payload, status, mention) => {
    const headers = { 'content-type': 'application/json' };
    await expectRefused(await alice.send('POST', '/blueprints', { payload, headers }), status, mention);
    await expectRefused(await alice.send('PATCH', S, { payload, headers }), status, mention);
  });

  it('refuses a 2 MB body with 413', async () => {
    const payload = JSON.stringify(blueprint({ config: [`hostname ${'x'.repeat(2 * 1024 * 1024)}`] }));
    const response = await alice.send('POST', '/blueprints', {
      payload,
      headers: { 'content-type': 'application/json' },
    });
    await expectRefused(response, 413, '');
  });

  it('refuses an unsupported content type with 415', async () => {
    const response = await alice.send('POST', '/blueprints', {
      payload: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    await expectRefused(response, 415, '');
  });
});

describe.each(testDialects())('a refused form comes back with the message and the input (%s)', (dialect) => {
  let t: TestApp;
  let browser: Client;
  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
    browser = await signUp(t.app, 'alice', 'form');
    expect((await browser.post('/blueprints', { name: 'coop', arguments: '', config: '' })).statusCode).toBe(
      302,
    );
    expect(
      (await browser.post('/servers', { name: 'alpha', port: '27015', blueprint_id: '1' })).statusCode,
    ).toBe(302);
    await browser.get('/'); // consume the flash notice
    before = await snapshot(t.database);
  });
  afterAll(() => t.close());

  it.each([
    [
      'a new server with port 1e4',
      '/servers',
      { name: '<i>new</i>', port: '1e4', blueprint_id: '1' },
      400,
      ['port: must be a whole number from 1034 to 65535', 'value="&lt;i>new&lt;/i>"', 'value="1e4"'],
    ],
    [
      'a server renamed with a control character',
      S,
      { name: 'a\u0001b', port: '27015', blueprint_id: '1' },
      400,
      ['name: must not contain control or invisible characters (U+0001)', 'value="a\u0001b"'],
    ],
    [
      'a server moved onto a taken port',
      '/servers',
      { name: 'beta', port: '27015', blueprint_id: '1' },
      409,
      ['port already in use', 'value="beta"', 'value="27015"'],
    ],
    [
      'a blueprint with -port among its arguments',
      '/blueprints',
      { name: 'tick & "rate"', arguments: '-tickrate 60\n-port 27016', config: 'hostname <b>x</b>' },
      400,
      [
        '&quot;-port&quot; is set by the panel',
        'value="tick &amp; &quot;rate&quot;"',
        '-tickrate 60\n-port 27016',
        'hostname &lt;b>x&lt;/b>',
      ],
    ],
    [
      'a blueprint change with rcon_password',
      B,
      { name: 'coop', arguments: '', config: 'hostname x\nrcon_password hunter2' },
      400,
      ['line 2', 'rcon_password hunter2</textarea>'],
    ],
  ])('re-renders %s', async (_what, url, body, status, expected) => {
    const response = await browser.post(url, body);
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    for (const text of expected) expect(response.body).toContain(text);
    expect(response.body).not.toContain('<i>new</i>');
    expect(response.body).not.toContain('<b>x</b>');
    expect(await snapshot(t.database)).toEqual(before);
  });

  it.each([
    [
      'another id with bad input',
      '/servers/99',
      { name: '', port: 'x', blueprint_id: '1' },
      'server not found',
    ],
    ['a non-numeric id with bad input', '/blueprints/abc', { name: '' }, 'blueprint not found'],
    ['a missing blueprint with bad input', '/blueprints/99/delete', { force: '1' }, 'blueprint not found'],
  ])('answers 404 for %s, not 500', async (_what, url, body, message) => {
    const response = await browser.post(url, body);
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain(message);
    expect(await snapshot(t.database)).toEqual(before);
  });
});
