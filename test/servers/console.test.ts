/**
 * The console (design/hardening.md): one command per request, none the panel keeps for itself,
 * refused with a 400 naming it before any RCON is sent; kick and changelevel build one command.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  asInPage,
  type Client,
  createBlueprint,
  createServer,
  logIn,
  recordingSupervisor,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { ENDS, PANEL, RUNS_CFG, refusedConsoleNames } from '../helpers/refusals.js';

/** [command, the exact reason of the 400]. */
const refusedCommands: [string, string][] = [
  ...refusedConsoleNames.map(([name, reason]): [string, string] => [`${name} x`, `"${name}" ${reason}`]),
  ['exec l4d2web/server-2.cfg', `"exec" ${RUNS_CFG}`],
  ['Exec server', `"Exec" ${RUNS_CFG}`],
  ['sv_rcon_whitelist_address 10.0.0.1', `"sv_rcon_whitelist_address" ${PANEL}`],
  ['status; exec x', '"status; exec x" contains ";": send one command at a time'],
  ['status;quit', '"status;quit" contains ";": send one command at a time'],
  ['status\nquit', 'must be one command on one line'],
  ['status\r\nquit', 'must be one command on one line'],
  ['say \u202eevil', '"say \\u202Eevil" contains U+202E, which is not printable ASCII'],
  ['say \u200b', '"say \\u200B" contains U+200B, which is not printable ASCII'],
  ['"quit"', '""quit"" must start with a command name'],
  ['alias stop_it "quit"', `"quit" ${ENDS}`],
  ['sm_cvar rcon_password x', `"rcon_password" ${PANEL}`],
  ['sv_logsdir ../../other', `"sv_logsdir ../../other" contains "..", which would leave the server's folder`],
];

describe.each(testDialects())('console commands (%s)', (dialect) => {
  let t: TestApp;
  let supervisor: ReturnType<typeof recordingSupervisor>;
  let script: Client;
  let browser: Client;
  let id: number;
  beforeAll(async () => {
    supervisor = recordingSupervisor();
    t = await startTestApp({ dialect, supervisor });
    script = await signUp(t.app, 'alice');
    browser = await logIn(t.app, 'alice', 'form');
    id = await createServer(script, {
      name: 'alpha',
      port: 27015,
      blueprint_id: await createBlueprint(script),
    });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    supervisor.calls.length = 0;
  });

  it.each(refusedCommands)('refuses %j before any RCON: %s', async (command, reason) => {
    const json = await script.post(`/servers/${id}/rcon`, { command });
    expect(json.statusCode).toBe(400);
    expect(json.json()).toEqual({ error: `command: ${reason}`, fields: { command: reason } });
    const form = await browser.post(`/servers/${id}/rcon`, { command });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain(
      `<span class="field-error" id="field-command-error">${asInPage(reason)}</span>`,
    );
    expect(supervisor.calls).toEqual([]);
  });

  it('sends an allowed command as typed', async () => {
    for (const command of ['status', 'say wait for it...', 'sv_cheats 0']) {
      expect((await script.post(`/servers/${id}/rcon`, { command })).statusCode).toBe(200);
    }
    expect(supervisor.calls).toEqual([
      `rcon ${id} status`,
      `rcon ${id} say wait for it...`,
      `rcon ${id} sv_cheats 0`,
    ]);
  });

  it.each([
    ['c1m1_hotel; quit', 'must be a map name: letters, digits, "_", "-", "." or "/"'],
    ['c1m1_hotel quit', 'must be a map name: letters, digits, "_", "-", "." or "/"'],
    ['c1m1_hotel\nquit', 'must be a map name: letters, digits, "_", "-", "." or "/"'],
    ['"c1m1_hotel"', 'must be a map name: letters, digits, "_", "-", "." or "/"'],
    ['../../../servers/2/x', 'must be a map name: letters, digits, "_", "-", "." or "/"'],
    ['maps/../../x', 'must not contain ".."'],
  ])('changelevel refuses the map %j before any RCON', async (map, reason) => {
    for (const body of [{ map }, { custom_map: map }]) {
      const response = await script.post(`/servers/${id}/changelevel`, body);
      expect(response.statusCode).toBe(400);
      const [field] = Object.keys(body);
      expect(response.json()).toEqual({
        error: `${field}: ${reason}`,
        fields: { [field as string]: reason },
      });
    }
    expect(supervisor.calls).toEqual([]);
  });

  it('kick sends only `status` and `kickid <number>`, never the name typed', async () => {
    const byName = await script.post(`/servers/${id}/kick`, { name: 'Zoey"; quit; "' });
    // No such player in the (empty) status reply: nothing is kicked.
    expect(byName.statusCode).toBe(409);
    expect(supervisor.calls).toEqual([`rcon ${id} status`]);
    const byId = await script.post(`/servers/${id}/kick`, { userid: '3; quit' });
    expect(byId.statusCode).toBe(400);
    expect(byId.json().fields).toEqual({ userid: 'must be a userid' });
    expect(supervisor.calls).toEqual([`rcon ${id} status`]);
  });
});
