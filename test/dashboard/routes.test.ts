import { request as httpRequest } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../../src/dashboard/event-types.js';
import { AppError } from '../../src/http/errors.js';
import type { LiveStatus, ServerEvent, SupervisorControl } from '../../src/supervisor/control.js';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';

const status = `hostname: Test
map     : c2m1_highway at: 0 x, 0 y, 0 z
players : 2 humans, 0 bots (8 max)

# userid name uniqueid connected ping loss state rate adr
#  2 "Coach" STEAM_1:0:1008198 05:12 27 0 active 30000 127.0.0.1:27007
#  3 "<b>Ellis</b>" STEAM_1:1:1012297 00:07 34 0 active 30000 127.0.0.1:27008
`;

/** A supervisor whose live facts and RCON replies the test sets, and whose events it emits. */
function scriptedSupervisor() {
  const listeners = new Map<number, Set<(event: ServerEvent) => void>>();
  const supervisor = {
    commands: [] as string[],
    live: new Map<number, LiveStatus>(),
    replies: new Map<string, string | AppError>(),
    history: [
      { at: Date.now() - 20 * 60_000, players: 1 },
      { at: Date.now() - 5 * 60_000, players: 2 },
    ],
    desiredStateChanged() {},
    async restart() {},
    async removeServer() {},
    liveStatus(id: number): LiveStatus | null {
      return supervisor.live.get(id) ?? null;
    },
    async rcon(id: number, command: string): Promise<string> {
      supervisor.commands.push(`${id}: ${command}`);
      const reply = supervisor.replies.get(command.split(' ')[0] ?? '') ?? '';
      if (reply instanceof AppError) throw reply;
      return reply;
    },
    subscribe(id: number, listener: (event: ServerEvent) => void) {
      const set = listeners.get(id) ?? new Set();
      listeners.set(id, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    listeners(id: number) {
      return listeners.get(id)?.size ?? 0;
    },
    emit(id: number, event: ServerEvent) {
      for (const listener of listeners.get(id) ?? []) listener(event);
    },
    playerHistory(): { at: number; players: number }[] {
      return supervisor.history;
    },
    async recentConsole() {
      return ['Server version 2.2.4.3 (simulated) is ready.', 'Client "<Coach>" connected'];
    },
  } satisfies SupervisorControl & Record<string, unknown>;
  return supervisor;
}

/** Reads Server-Sent Events from a listening app until `count` events came. */
function readEvents(
  url: string,
  cookie: string,
  count: number,
): Promise<{ status: number; events: unknown[] }> {
  return new Promise((resolve, reject) => {
    const events: unknown[] = [];
    const request = httpRequest(url, { headers: { cookie, accept: 'text/event-stream' } }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          const name = frame.split('\n').find((line) => line.startsWith('event: '));
          if (data) {
            const event = JSON.parse(data) as { type: string };
            expect(name).toBe(`event: ${event.type}`);
            events.push(event);
          }
          if (events.length >= count) {
            request.destroy();
            resolve({ status: response.statusCode ?? 0, events });
            return;
          }
          end = buffer.indexOf('\n\n');
        }
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, events }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the dashboard, its event stream and the game routes', () => {
  let t: TestApp;
  let supervisor: ReturnType<typeof scriptedSupervisor>;
  let owner: Client;
  let browser: Client;
  let serverId: number;

  beforeEach(async () => {
    supervisor = scriptedSupervisor();
    t = await startTestApp({ supervisor, env: { ALLOW_REGISTRATION: 'true' } });
    owner = await signUp(t.app, 'owner');
    const blueprintId = await createBlueprint(owner, { name: 'coop', arguments: ['+map c2m1_highway'] });
    serverId = await createServer(owner, { name: 'Alpha', port: 27015, blueprint_id: blueprintId });
    await createServer(owner, { name: 'Beta', port: 27115, blueprint_id: blueprintId });
    browser = await logIn(t.app, 'owner', 'form');
  });
  afterEach(() => t.close());

  const setRunning = () =>
    t.database.db
      .updateTable('servers')
      .set({ actual_state: 'running', desired_state: 'running' })
      .where('id', '=', serverId)
      .execute();

  it('GET / shows every server with its state, map, players, sparkline and buttons', async () => {
    supervisor.live.set(serverId, { map: 'c2m1_highway', players: 2, max_players: 8 });
    await setRunning();
    const page = await browser.get('/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-events="/events"');
    expect(page.body).toMatch(/<span data-running-count="true">1<\/span> of 2 servers running/);
    const card = page.body.slice(page.body.indexOf(`data-server-id="${serverId}"`));
    expect(card).toMatch(/class="badge state-running" data-field="state">running</);
    expect(card).toContain('<dd data-field="map">c2m1_highway</dd>');
    expect(card).toContain('<dd data-field="players">2/8</dd>');
    expect(card).toContain('aria-label="Players over the last hour: peak 2, now 2"');
    expect(card).toContain(`action="/servers/${serverId}/stop"`);
    const json = await owner.get('/');
    expect(json.json().servers.map((server: { name: string }) => server.name)).toEqual(['Alpha', 'Beta']);
  });

  it('GET / without servers shows the two first steps', async () => {
    const newcomer = await signUp(t.app, 'newcomer', 'form');
    const page = await newcomer.get('/');
    expect(page.body).toContain('<a href="/blueprints">Create a blueprint</a>');
    expect(page.body).not.toContain('data-events');
    expect(page.body).not.toContain('Done.');
    // With a blueprint, the first step is ticked off.
    await createBlueprint(await logIn(t.app, 'newcomer'), { name: 'first' });
    expect((await newcomer.get('/')).body).toContain(
      '<a href="/blueprints">Create a blueprint</a>: launch arguments and server.cfg lines.<strong> Done.</strong>',
    );
  });

  it('GET /events sends every server’s current state first, then what the supervisor says', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    supervisor.live.set(serverId, { map: 'c1m1_hotel', players: 0, max_players: 4 });
    const reading = readEvents(`${address}/events`, cookie, 6);
    await expect.poll(() => supervisor.listeners(serverId)).toBe(1);
    supervisor.emit(serverId, { type: 'console', line: 'not for the dashboard' });
    supervisor.emit(serverId, {
      type: 'state',
      actual_state: 'starting',
      desired_state: 'running',
      last_error: '',
    });
    supervisor.emit(serverId, { type: 'live', live: { map: 'c2m1_highway', players: 1, max_players: 4 } });
    const { status, events } = await reading;
    expect(status).toBe(200);
    const alpha = events.filter((event) => (event as DashboardEvent).server_id === serverId);
    expect(alpha).toEqual([
      {
        server_id: serverId,
        type: 'state',
        actual_state: 'unknown',
        desired_state: 'stopped',
        last_error: '',
      },
      { server_id: serverId, type: 'live', live: { map: 'c1m1_hotel', players: 0, max_players: 4 } },
      {
        server_id: serverId,
        type: 'state',
        actual_state: 'starting',
        desired_state: 'running',
        last_error: '',
      },
      { server_id: serverId, type: 'live', live: { map: 'c2m1_highway', players: 1, max_players: 4 } },
    ]);
    expect(events).toHaveLength(6);
    // The client went away: its subscriptions are released.
    await expect.poll(() => supervisor.listeners(serverId)).toBe(0);
  });

  it('GET /events only covers the user’s own servers, and needs a session', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const other = await signUp(t.app, 'other', 'form');
    const cookie = [...other.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const reading = readEvents(`${address}/events`, cookie, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(supervisor.listeners(serverId)).toBe(0);
    const anonymous = await t.app.inject({ url: '/events', headers: { accept: 'text/event-stream' } });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe('/login');
    await t.app.close(); // ends the open stream
    expect((await reading).events).toEqual([]);
  });

  it('closing the app ends open streams instead of waiting for the browsers', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const reading = readEvents(`${address}/events`, cookie, 100);
    await expect.poll(() => supervisor.listeners(serverId)).toBe(1);
    await t.app.close();
    expect((await reading).events).toHaveLength(4);
    expect(supervisor.listeners(serverId)).toBe(0);
  });

  it('GET /servers/:id/events begins with the state, the live facts and the console tail', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const { status, events } = await readEvents(`${address}/servers/${serverId}/events`, cookie, 4);
    expect(status).toBe(200);
    expect(events).toEqual([
      { type: 'state', actual_state: 'unknown', desired_state: 'stopped', last_error: '' },
      { type: 'live', live: null },
      { type: 'console', line: 'Server version 2.2.4.3 (simulated) is ready.' },
      { type: 'console', line: 'Client "<Coach>" connected' },
    ]);
  });

  it('the server page shows players with kick buttons, the console tail, the map picker and the launch line', async () => {
    await setRunning();
    supervisor.live.set(serverId, { map: 'c2m1_highway', players: 2, max_players: 8 });
    supervisor.replies.set('status', status);
    const page = await browser.get(`/servers/${serverId}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`data-events="/servers/${serverId}/events"`);
    // Players come from A2S, and nothing answers A2S here; RCON is not asked (it would fill the console).
    expect(page.body).toContain('The server did not say who is playing.');
    expect(supervisor.commands).toEqual([]);
    expect(page.body).toContain('Client &quot;&lt;Coach>&quot; connected');
    expect(page.body).toContain('<option value="c2m1_highway" selected>c2m1_highway</option>');
    expect(page.body).toContain('<optgroup label="The Passing">');
    expect(page.body).toMatch(
      /srcds_run -game left4dead2 .* -port 27015 \+clientport 27005 .*'\+map c2m1_highway'/,
    );
    expect(page.body).not.toMatch(/rcon_password "/);
  });

  it('POST /servers/:id/rcon from a form shows the reply in the page, and errors next to the console', async () => {
    supervisor.replies.set('status', status);
    const answered = await browser.post(`/servers/${serverId}/rcon`, { command: 'status' });
    expect(answered.statusCode).toBe(200);
    const reply = answered.body.slice(answered.body.indexOf('data-rcon-reply'));
    expect(reply.slice(0, 200)).not.toContain('hidden');
    expect(reply).toContain('hostname: Test');
    expect(answered.body).toContain('name="command" value="status"');

    supervisor.replies.set('say', new AppError(409, 'server is not running'));
    const refused = await browser.post(`/servers/${serverId}/rcon`, { command: 'say hi' });
    expect(refused.statusCode).toBe(409);
    const consoleSection = refused.body.slice(refused.body.indexOf('id="console"'));
    expect(consoleSection).toContain('<p class="error" role="alert">server is not running</p>');
    expect(consoleSection).toContain('value="say hi"');
    const settings = refused.body.slice(refused.body.indexOf('id="settings-heading"'));
    expect(settings).not.toContain('role="alert"');
  });

  it('POST /servers/:id/changelevel runs changelevel, from the list or the free text', async () => {
    const picked = await browser.post(`/servers/${serverId}/changelevel`, {
      map: 'c3m1_plankcountry',
      custom_map: '',
    });
    expect(picked.statusCode).toBe(302);
    expect(picked.headers.location).toBe(`/servers/${serverId}#map`);
    expect(decodeURIComponent(browser.cookies.get('l4d2web_flash') ?? '')).toBe(
      'Changing the map to c3m1_plankcountry.',
    );
    const typed = await owner.post(`/servers/${serverId}/changelevel`, {
      map: 'c1m1_hotel',
      custom_map: ' workshop/x_m1 ',
    });
    expect(typed.statusCode).toBe(200);
    expect(typed.json()).toEqual({ output: '' });
    expect(supervisor.commands).toEqual([
      `${serverId}: changelevel c3m1_plankcountry`,
      `${serverId}: changelevel workshop/x_m1`,
    ]);
  });

  it('POST /servers/:id/changelevel refuses what is not a map name, and what the server refuses', async () => {
    const injected = await owner.post(`/servers/${serverId}/changelevel`, { map: 'c1m1_hotel; quit' });
    expect(injected.statusCode).toBe(400);
    expect(injected.json().fields.map).toMatch(/must be a map name/);
    expect((await owner.post(`/servers/${serverId}/changelevel`, {})).json()).toEqual({
      error: 'map: is required',
      fields: { map: 'is required' },
    });
    supervisor.replies.set('changelevel', 'changelevel failed: c99m1_x not found\n');
    const refused = await browser.post(`/servers/${serverId}/changelevel`, {
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
    expect(supervisor.commands).toEqual([`${serverId}: changelevel c99m1_x`]);
  });

  it('POST /servers/:id/kick finds the userid of the named player and kicks by userid', async () => {
    supervisor.replies.set('status', status);
    const kicked = await browser.post(`/servers/${serverId}/kick`, { name: '<b>Ellis</b>' });
    expect(kicked.statusCode).toBe(302);
    expect(kicked.headers.location).toBe(`/servers/${serverId}#players`);
    expect(decodeURIComponent(browser.cookies.get('l4d2web_flash') ?? '')).toBe('Kicked <b>Ellis</b>.');
    expect(supervisor.commands).toEqual([`${serverId}: status`, `${serverId}: kickid 3`]);
    const byId = await owner.post(`/servers/${serverId}/kick`, { userid: 2 });
    expect(byId.statusCode).toBe(200);
    expect(supervisor.commands.at(-1)).toBe(`${serverId}: kickid 2`);
  });

  it('POST /servers/:id/kick refuses bad input, and says when the player is gone', async () => {
    supervisor.replies.set('status', status);
    expect((await owner.post(`/servers/${serverId}/kick`, { userid: '3; quit' })).statusCode).toBe(400);
    expect((await owner.post(`/servers/${serverId}/kick`, {})).json()).toEqual({
      error: 'name: is required',
      fields: { name: 'is required' },
    });
    const absent = await owner.post(`/servers/${serverId}/kick`, { name: 'Zoey; quit' });
    expect(absent.statusCode).toBe(409);
    expect(absent.json()).toEqual({ error: 'that player is no longer on the server' });
    supervisor.replies.set('kickid', 'kickid: no user 9 found\n');
    const gone = await browser.post(`/servers/${serverId}/kick`, { userid: '9' });
    expect(gone.statusCode).toBe(409);
    const players = gone.body.slice(gone.body.indexOf('id="players"'), gone.body.indexOf('id="map"'));
    expect(players).toContain('<p class="error" role="alert">that player is no longer on the server</p>');
    expect(supervisor.commands.filter((command) => command.includes('kickid'))).toEqual([
      `${serverId}: kickid 9`,
    ]);
  });

  it("another user's server is not found for the game routes", async () => {
    const other = await signUp(t.app, 'stranger');
    for (const path of ['changelevel', 'kick', 'rcon']) {
      const response = await other.post(`/servers/${serverId}/${path}`, {
        map: 'c1m1_hotel',
        userid: 2,
        command: 'x',
      });
      expect(response.statusCode, path).toBe(404);
    }
    expect(supervisor.commands).toEqual([]);
  });
});
