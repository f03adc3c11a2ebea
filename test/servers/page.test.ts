import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/http/errors.js';
import { readEvents, signUp } from '../helpers/app.js';
import { type ScriptedApp, startScriptedApp, statusReply as status } from '../helpers/scripted.js';

describe('the server page, its event stream and the game routes', () => {
  let s: ScriptedApp;
  beforeEach(async () => {
    s = await startScriptedApp();
  });
  afterEach(() => s.t.close());

  it('GET /servers/:id/events begins with the state, the live facts and the console tail', async () => {
    const address = await s.t.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = s.browser.cookieHeader;
    const { status, events } = await readEvents(`${address}/servers/${s.serverId}/events`, cookie, 4);
    expect(status).toBe(200);
    expect(events).toEqual([
      { type: 'state', actual_state: 'unknown', desired_state: 'stopped', last_error: '' },
      { type: 'live', live: null },
      { type: 'console', line: 'Server version 2.2.4.3 (simulated) is ready.' },
      { type: 'console', line: 'Client "<Coach>" connected' },
    ]);
  });

  it('the server page shows players with kick buttons, the console tail, the map picker and the launch line', async () => {
    await s.setRunning();
    s.supervisor.live.set(s.serverId, { map: 'c2m1_highway', players: 2, max_players: 8 });
    s.supervisor.replies.set('status', status);
    const page = await s.browser.get(`/servers/${s.serverId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-events="/servers/${s.serverId}/events"`);
    // Players come from A2S, and nothing answers A2S here; RCON is not asked (it would fill the console).
    expect(page.body).toContain('The server did not say who is playing.');
    expect(s.supervisor.commands).toEqual([]);
    expect(page.body).toContain('Client &quot;&lt;Coach>&quot; connected');
    expect(page.body).toContain('<option value="c2m1_highway" selected>c2m1_highway</option>');
    expect(page.body).toContain('<optgroup label="The Passing">');
    expect(page.body).toMatch(
      /srcds_run -game left4dead2 .* -port 27015 \+clientport 27005 .*'\+map c2m1_highway'/,
    );
    expect(page.body).not.toMatch(/rcon_password "/);
  });

  it('POST /servers/:id/rcon from a form shows the reply in the page, and errors next to the console', async () => {
    s.supervisor.replies.set('status', status);
    const answered = await s.browser.post(`/servers/${s.serverId}/rcon`, { command: 'status' });
    expect(answered.statusCode).toBe(200);
    const reply = answered.body.slice(answered.body.indexOf('data-rcon-reply'));
    expect(reply.slice(0, 200)).not.toContain('hidden');
    expect(reply).toContain('hostname: Test');
    expect(answered.body).toContain('name="command" value="status"');

    s.supervisor.replies.set('say', new AppError(409, 'server is not running'));
    const refused = await s.browser.post(`/servers/${s.serverId}/rcon`, { command: 'say hi' });
    expect(refused.statusCode).toBe(409);
    const consoleSection = refused.body.slice(refused.body.indexOf('id="console"'));
    expect(consoleSection).toContain('<p class="error" role="alert">server is not running</p>');
    expect(consoleSection).toContain('value="say hi"');
    const settings = refused.body.slice(refused.body.indexOf('id="settings-heading"'));
    expect(settings).not.toContain('role="alert"');
  });

  it('POST /servers/:id/changelevel runs changelevel, from the list or the free text', async () => {
    const picked = await s.browser.post(`/servers/${s.serverId}/changelevel`, {
      map: 'c3m1_plankcountry',
      custom_map: '',
    });
    expect(picked.statusCode).toBe(302);
    expect(picked.headers.location).toBe(`/servers/${s.serverId}#map`);
    expect(decodeURIComponent(s.browser.cookies.get('l4d2web_flash') ?? '')).toBe(
      'Changing the map to c3m1_plankcountry.',
    );
    const typed = await s.owner.post(`/servers/${s.serverId}/changelevel`, {
      map: 'c1m1_hotel',
      custom_map: ' workshop/x_m1 ',
    });
    expect(typed.statusCode).toBe(200);
    expect(typed.json()).toEqual({ output: '' });
    expect(s.supervisor.commands).toEqual([
      `${s.serverId}: changelevel c3m1_plankcountry`,
      `${s.serverId}: changelevel workshop/x_m1`,
    ]);
  });

  it('POST /servers/:id/changelevel refuses what is not a map name, and what the server refuses', async () => {
    const injected = await s.owner.post(`/servers/${s.serverId}/changelevel`, { map: 'c1m1_hotel; quit' });
    expect(injected.statusCode).toBe(400);
    expect(injected.json().fields.map).toMatch(/must be a map name/);
    expect((await s.owner.post(`/servers/${s.serverId}/changelevel`, {})).json()).toEqual({
      error: 'map: is required',
      fields: { map: 'is required' },
    });
    s.supervisor.replies.set('changelevel', 'changelevel failed: c99m1_x not found\n');
    const refused = await s.browser.post(`/servers/${s.serverId}/changelevel`, {
      map: 'c1m1_hotel',
      custom_map: 'c99m1_x',
    });
    expect(refused.statusCode).toBe(400);
    const mapSection = refused.body.slice(
      refused.body.indexOf('id="map"'),
      refused.body.indexOf('id="console"'),
    );
    expect(mapSection).toContain('changelevel failed: c99m1_x not found');
    expect(mapSection).toContain('name="custom_map" value="c99m1_x"');
    expect(s.supervisor.commands).toEqual([`${s.serverId}: changelevel c99m1_x`]);
  });

  it('POST /servers/:id/kick finds the userid of the named player and kicks by userid', async () => {
    s.supervisor.replies.set('status', status);
    const kicked = await s.browser.post(`/servers/${s.serverId}/kick`, { name: '<b>Ellis</b>' });
    expect(kicked.statusCode).toBe(302);
    expect(kicked.headers.location).toBe(`/servers/${s.serverId}#players`);
    expect(decodeURIComponent(s.browser.cookies.get('l4d2web_flash') ?? '')).toBe('Kicked <b>Ellis</b>.');
    expect(s.supervisor.commands).toEqual([`${s.serverId}: status`, `${s.serverId}: kickid 3`]);
    const byId = await s.owner.post(`/servers/${s.serverId}/kick`, { userid: 2 });
    expect(byId.statusCode).toBe(200);
    expect(s.supervisor.commands.at(-1)).toBe(`${s.serverId}: kickid 2`);
  });

  it('POST /servers/:id/kick refuses bad input, and says when the player is gone', async () => {
    s.supervisor.replies.set('status', status);
    expect((await s.owner.post(`/servers/${s.serverId}/kick`, { userid: '3; quit' })).statusCode).toBe(400);
    expect((await s.owner.post(`/servers/${s.serverId}/kick`, {})).json()).toEqual({
      error: 'name: is required',
      fields: { name: 'is required' },
    });
    const absent = await s.owner.post(`/servers/${s.serverId}/kick`, { name: 'Zoey; quit' });
    expect(absent.statusCode).toBe(409);
    expect(absent.json()).toEqual({ error: 'that player is no longer on the server' });
    s.supervisor.replies.set('kickid', 'kickid: no user 9 found\n');
    const gone = await s.browser.post(`/servers/${s.serverId}/kick`, { userid: '9' });
    expect(gone.statusCode).toBe(409);
    const players = gone.body.slice(gone.body.indexOf('id="players"'), gone.body.indexOf('id="map"'));
    expect(players).toContain('<p class="error" role="alert">that player is no longer on the server</p>');
    expect(s.supervisor.commands.filter((command) => command.includes('kickid'))).toEqual([
      `${s.serverId}: kickid 9`,
    ]);
  });

  it("another user's server is not found for the game routes", async () => {
    const other = await signUp(s.t.app, 'stranger');
    for (const path of ['changelevel', 'kick', 'rcon']) {
      const response = await other.post(`/servers/${s.serverId}/${path}`, {
        map: 'c1m1_hotel',
        userid: 2,
        command: 'x',
      });
      expect(response.statusCode, path).toBe(404);
    }
    expect(s.supervisor.commands).toEqual([]);
  });
});
