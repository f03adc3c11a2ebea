import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DashboardEvent } from '../../src/dashboard/event-types.js';
import { createBlueprint, logIn, readEvents, signUp } from '../helpers/app.js';
import { type ScriptedApp, startScriptedApp } from '../helpers/scripted.js';

describe('the dashboard and its event stream', () => {
  let s: ScriptedApp;
  beforeEach(async () => {
    s = await startScriptedApp();
  });
  afterEach(() => s.t.close());

  it('GET / shows every server with its state, map, players, sparkline and buttons', async () => {
    s.supervisor.live.set(s.serverId, { map: 'c2m1_highway', players: 2, max_players: 8 });
    await s.setRunning();
    const page = await s.browser.get('/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-events="/events"');
    expect(page.body).toMatch(/<span data-running-count="true">1<\/span> of 2 servers running/);
    const card = page.body.slice(page.body.indexOf(`data-server-id="${s.serverId}"`));
    expect(card).toMatch(/class="badge state-running" data-field="state">running</);
    expect(card).toContain('<dd data-field="map">c2m1_highway</dd>');
    expect(card).toContain('<dd data-field="players">2/8</dd>');
    expect(card).toContain('aria-label="Players over the last hour: peak 2, now 2"');
    expect(card).toContain(`action="/servers/${s.serverId}/stop"`);
    const json = await s.owner.get('/');
    expect(json.json().servers.map((server: { name: string }) => server.name)).toEqual(['Alpha', 'Beta']);
  });

  it('GET / without servers shows the two first steps', async () => {
    const newcomer = await signUp(s.t.app, 'newcomer', 'form');
    const page = await newcomer.get('/');
    expect(page.body).toContain('<a href="/blueprints">Create a blueprint</a>');
    expect(page.body).not.toContain('data-events');
    expect(page.body).not.toContain('Done.');
    // With a blueprint, the first step is ticked off.
    await createBlueprint(await logIn(s.t.app, 'newcomer'), { name: 'first' });
    expect((await newcomer.get('/')).body).toContain(
      '<a href="/blueprints">Create a blueprint</a>: launch arguments and server.cfg lines.<strong> Done.</strong>',
    );
  });

  it('GET /events sends every server’s current state first, then what the supervisor says', async () => {
    const address = await s.t.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = s.browser.cookieHeader;
    s.supervisor.live.set(s.serverId, { map: 'c1m1_hotel', players: 0, max_players: 4 });
    const reading = readEvents(`${address}/events`, cookie, 6);
    await expect.poll(() => s.supervisor.listeners(s.serverId)).toBe(1);
    s.supervisor.emit(s.serverId, { type: 'console', line: 'not for the dashboard' });
    s.supervisor.emit(s.serverId, {
      type: 'state',
      actual_state: 'starting',
      desired_state: 'running',
      last_error: '',
    });
    s.supervisor.emit(s.serverId, {
      type: 'live',
      live: { map: 'c2m1_highway', players: 1, max_players: 4 },
    });
    const { status, events } = await reading;
    expect(status).toBe(200);
    const alpha = events.filter((event) => (event as DashboardEvent).server_id === s.serverId);
    expect(alpha).toEqual([
      {
        server_id: s.serverId,
        type: 'state',
        actual_state: 'unknown',
        desired_state: 'stopped',
        last_error: '',
      },
      { server_id: s.serverId, type: 'live', live: { map: 'c1m1_hotel', players: 0, max_players: 4 } },
      {
        server_id: s.serverId,
        type: 'state',
        actual_state: 'starting',
        desired_state: 'running',
        last_error: '',
      },
      { server_id: s.serverId, type: 'live', live: { map: 'c2m1_highway', players: 1, max_players: 4 } },
    ]);
    expect(events).toHaveLength(6);
    // The client went away: its subscriptions are released.
    await expect.poll(() => s.supervisor.listeners(s.serverId)).toBe(0);
  });

  it('GET /events only covers the user’s own servers, and needs a session', async () => {
    const address = await s.t.app.listen({ port: 0, host: '127.0.0.1' });
    const other = await signUp(s.t.app, 'other', 'form');
    const cookie = other.cookieHeader;
    const reading = readEvents(`${address}/events`, cookie, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(s.supervisor.listeners(s.serverId)).toBe(0);
    const anonymous = await s.t.app.inject({ url: '/events', headers: { accept: 'text/event-stream' } });
    expect(anonymous.statusCode).toBe(302);
    expect(anonymous.headers.location).toBe('/login');
    await s.t.app.close(); // ends the open stream
    expect((await reading).events).toEqual([]);
  });

  it('closing the app ends open streams instead of waiting for the browsers', async () => {
    const address = await s.t.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = s.browser.cookieHeader;
    const reading = readEvents(`${address}/events`, cookie, 100);
    await expect.poll(() => s.supervisor.listeners(s.serverId)).toBe(1);
    await s.t.app.close();
    expect((await reading).events).toHaveLength(4);
    expect(s.supervisor.listeners(s.serverId)).toBe(0);
  });
});
