/**
 * design/hardening.md over HTTP: every bypass of issue 9 and every refused option or cfg name gets a
 * 400 naming it, as JSON and as a form, on create and on update, and nothing is stored.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
import {
  ENDS,
  PANEL,
  RUNS_CFG,
  refusedConfigNames,
  refusedOptions,
  SRCDS_RUN,
  WRITES,
} from '../helpers/refusals.js';

/** [arguments, the exact reason the 400 gives in fields.arguments]. */
const refusedArguments: [string[], string][] = [
  // The bypasses issue 9 found.
  [['+sv_cheats 1;rcon_password x'], '"+sv_cheats 1;rcon_password x" contains ";"'],
  [['a+rcon_password x'], `"+rcon_password" ${PANEL}`],
  [['+map c1m1_hotel', 'a+rcon_password x'], `"+rcon_password" ${PANEL}`],
  [['"+rcon_password" x'], `""+rcon_password" x" contains '"'`],
  [['-binary /usr/bin/env'], `"-binary" ${SRCDS_RUN}`],
  [['-pidfile /tmp/l4d2web-other.pid'], `"-pidfile" ${SRCDS_RUN}`],
  [['-debug'], `"-debug" ${SRCDS_RUN}`],
  [['-gdb /usr/bin/env'], `"-gdb" ${SRCDS_RUN}`],
  [['-autoupdate'], `"-autoupdate" ${SRCDS_RUN}`],
  [['-ip 0.0.0.0'], `"-ip" ${PANEL}`],
  [['+sv_cheats 1 -debug'], `"-debug" ${SRCDS_RUN}`],
  [['+exec l4d2web/server-1.cfg'], `"+exec" ${RUNS_CFG}`],
  // Ways around them.
  [['+map c1m1_hotel', '-DEBUG'], `"-DEBUG" ${SRCDS_RUN}`],
  [['+alias x rcon_password y', '+x'], `"rcon_password" ${PANEL}`],
  [["+hostname 'x'"], `"+hostname 'x'" contains "'"`],
  [['+hostname `id`'], '"+hostname `id`" contains "`"'],
  [['+hostname a\\b'], '"+hostname a\\b" contains "\\"'],
  [['+map ../../servers/1/x'], '"+map ../../servers/1/x" contains ".."'],
  [['c1m1_hotel'], '"c1m1_hotel" must start with an option (+name or -name): a value may not come first'],
  // Every name the contract refuses.
  ...refusedOptions.map(([option, reason]): [string[], string] => [[`${option} 1`], `"${option}" ${reason}`]),
];

/** [cfg lines, the exact reason the 400 gives in fields.config]. */
const refusedConfig: [string[], string][] = [
  [
    ['sv_cheats 1; rcon_password y'],
    'line 1 "sv_cheats 1; rcon_password y": contains ";" outside quotes: one command per line',
  ],
  [
    ['hostname ok', 'exec ../../2/game/left4dead2/cfg/l4d2web.cfg'],
    'line 2 "exec ../../2/game/left4dead2/cfg/l4d2web.cfg": contains ".."',
  ],
  [['hostname "open'], 'line 1 "hostname "open": has an unbalanced double quote'],
  [
    ['"rcon_password" x'],
    'line 1 ""rcon_password" x": must be blank, a // comment, or a name (letters, digits, "_") and its values',
  ],
  [
    ['alias x "say hi; rcon_password y"'],
    `line 1 "alias x "say hi; rcon_password y"": "rcon_password" ${PANEL}`,
  ],
  [['quit'], `line 1 "quit": "quit" ${ENDS}`],
  [['con_logfile ../x'], 'line 1 "con_logfile ../x": contains ".."'],
  [['con_logfile x.log'], `line 1 "con_logfile x.log": "con_logfile" ${WRITES}`],
  ...refusedConfigNames.map(([name, reason]): [string[], string] => [
    ['hostname ok', `${name} 1`],
    `line 2 "${name} 1": "${name}" ${reason}`,
  ]),
];

describe.each(testDialects())('refused blueprint input (%s)', (dialect) => {
  let t: TestApp;
  let script: Client;
  let browser: Client;
  let existing: number;
  beforeAll(async () => {
    t = await startTestApp({ dialect });
    script = await signUp(t.app, 'alice');
    browser = await logIn(t.app, 'alice', 'form');
    existing = await createBlueprint(script, {
      name: 'coop',
      arguments: ['+map c1m1_hotel', '-tickrate 60'],
      config: ['hostname "Coop"'],
    });
  });
  afterAll(() => t.close());

  let before: Awaited<ReturnType<typeof snapshot>>;
  beforeEach(async () => {
    before = await snapshot(t.database);
  });

  /** Sends a refused field four ways; each gets a 400 naming it, and the rows stay as they were. */
  async function refusedEveryWay(field: 'arguments' | 'config', items: string[], reason: string) {
    const jsonBodies = [
      ['POST', '/blueprints', { name: 'new', [field]: items }],
      ['PATCH', `/blueprints/${existing}`, { [field]: items }],
    ] as const;
    for (const [method, url, body] of jsonBodies) {
      const response = await script.request(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(400);
      expect(response.json()).toEqual({ error: `${field}: ${reason}`, fields: { [field]: reason } });
    }
    const formBodies = [
      ['/blueprints', { name: 'new', arguments: '', config: '' }],
      [`/blueprints/${existing}`, { name: 'coop', arguments: '+map c1m1_hotel', config: '' }],
    ] as const;
    for (const [url, body] of formBodies) {
      const text = items.join('\n');
      const response = await browser.post(url, { ...body, [field]: text });
      expect(response.statusCode, `form ${url}`).toBe(400);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.body).toContain(asInPage(`${field}: ${reason}`));
      // The form comes back with what the user typed.
      expect(response.body).toContain(`${asInPage(text)}</textarea>`);
    }
    expect(await snapshot(t.database)).toEqual(before);
  }

  it.each(refusedArguments)('refuses the arguments %j: %s', async (args, reason) => {
    await refusedEveryWay('arguments', args, reason);
  });

  it.each(refusedConfig)('refuses the cfg lines %j: %s', async (lines, reason) => {
    await refusedEveryWay('config', lines, reason);
  });

  it('stores what the grammar allows, as given', async () => {
    const args = ['+map', 'c1m1_hotel', '+sv_gravity -800', '-tickrate 60', '+hostname my-game-server'];
    const config = [
      'hostname "My server; the best"',
      '// a comment',
      'sv_maxplayers 8',
      'alias greet "say hi"',
    ];
    const id = await createBlueprint(script, { name: 'allowed', arguments: args, config });
    const row = await t.database.db
      .selectFrom('blueprints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect([JSON.parse(row.arguments), JSON.parse(row.config)]).toEqual([args, config]);
  });
});
