import { existsSync, readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser, parseCredentials } from '../../src/auth/users.js';
import { clientPortFor } from '../../src/launch/plan.js';
import { busyPort } from '../../src/supervisor/ports.js';
import { logIn, password } from '../helpers/app.js';
import {
  endSupervisedTest,
  isAlive,
  openEvents,
  type SupervisedApp,
  serverRow,
  startSupervisedApp,
  waitFor,
  waitForState,
} from '../helpers/supervisor.js';

let app: SupervisedApp | undefined;

afterEach(async () => {
  await endSupervisedTest(app);
  app = undefined;
});

describe('supervisor: start, stop, restart', () => {
  it('start goes starting then running, with live A2S facts and the console log', async () => {
    app = await startSupervisedApp({ blueprint: { config: ['hostname "Lifecycle"', 'sv_maxplayers 8'] } });
    const { id, port } = await app.newServer();
    const seen: string[] = [];
    app.supervisor.subscribe(id, (event) => {
      if (event.type === 'state') seen.push(event.actual_state);
    });
    expect((await app.client.post(`/servers/${id}/start`)).statusCode).toBe(202);
    await waitForState(app, id, 'running');
    expect(seen).toEqual(['starting', 'running']);
    const live = await waitFor(() => app?.supervisor.liveStatus(id));
    expect(live).toMatchObject({ players: 0, max_players: 8 });
    expect(live.map).toMatch(/^c\dm\d/);
    const json = (await app.client.get(`/servers/${id}`)).json();
    expect(json).toMatchObject({ actual_state: 'running', desired_state: 'running', last_error: '' });
    expect(json.live).toEqual(live);
    const log = readFileSync(`${app.dataDir}/servers/${id}/console.log`, 'utf8');
    expect(log).toContain('launching');
    expect(log).toContain(`-port ${port}`);
    // The cfg carries the per-server rcon password from the database; the JSON and the console log never do.
    const { rcon_password } = await serverRow(app, id);
    expect(rcon_password).toMatch(/^[A-Za-z0-9]{24,}$/);
    expect(JSON.stringify(json)).not.toContain(rcon_password);
    expect(log).not.toContain(rcon_password);
    const cfg = `${app.dataDir}/servers/${id}/game/left4dead2/cfg/l4d2web.cfg`;
    expect(readFileSync(cfg, 'utf8')).toContain(`rcon_password "${rcon_password}"`);
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
    const pid = app.supervisor.pidOf(id);
    expect(pid).toBeGreaterThan(0);
    expect(readFileSync(`${app.dataDir}/servers/${id}/pid`, 'utf8')).toContain(`"pid":${pid}`);
  });

  it('stop goes stopping then stopped; the process is gone and its ports are free', async () => {
    app = await startSupervisedApp();
    const { id, port } = await app.newRunningServer();
    const pid = app.supervisor.pidOf(id) as number;
    const seen: string[] = [];
    app.supervisor.subscribe(id, (event) => {
      if (event.type === 'state') seen.push(event.actual_state);
    });
    expect((await app.client.post(`/servers/${id}/stop`)).statusCode).toBe(202);
    await waitForState(app, id, 'stopped');
    expect(seen).toEqual(['stopping', 'stopped']);
    expect(isAlive(pid)).toBe(false);
    expect(await busyPort(port)).toBeNull();
    expect(app.supervisor.liveStatus(id)).toBeNull();
    expect(existsSync(`${app.dataDir}/servers/${id}/pid`)).toBe(false);
    // Stopped by RCON quit: a clean exit, not a kill.
    expect(readFileSync(`${app.dataDir}/servers/${id}/console.log`, 'utf8')).toContain(
      'Server shutting down (quit)',
    );
    expect((await serverRow(app, id)).last_error).toBe('');
    expect(clientPortFor(port)).toBe(port - 10);
  });

  it('restart stops the process and starts a new one', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newRunningServer();
    const before = app.supervisor.pidOf(id) as number;
    expect((await app.client.post(`/servers/${id}/restart`)).statusCode).toBe(202);
    await waitFor(
      async () =>
        app?.supervisor.pidOf(id) !== before &&
        (await serverRow(app as SupervisedApp, id)).actual_state === 'running',
    );
    expect(isAlive(before)).toBe(false);
    expect(app.supervisor.pidOf(id)).not.toBe(before);
  });

  it('delete stops the server first and forgets its files', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newRunningServer();
    const pid = app.supervisor.pidOf(id) as number;
    expect((await app.client.delete(`/servers/${id}`)).statusCode).toBe(204);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(`${app.dataDir}/servers/${id}`)).toBe(false);
    // Its instance went with it: links removed, never followed into the install.
    expect(existsSync(`${app.installDir}/srcds_run`)).toBe(true);
    expect(existsSync(`${app.installDir}/left4dead2/cfg/server.cfg`)).toBe(true);
  });
});

describe('supervisor: rcon', () => {
  it('runs a command and returns its output; 409 when not running; 502 when RCON fails', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newServer();
    const notRunning = await app.client.post(`/servers/${id}/rcon`, { command: 'status' });
    expect(notRunning.statusCode).toBe(409);
    expect(notRunning.json()).toEqual({ error: 'server is not running' });
    await app.client.post(`/servers/${id}/start`);
    await waitForState(app, id, 'running');
    const ok = await app.client.post(`/servers/${id}/rcon`, { command: 'status' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().output).toMatch(/hostname/);
    // Several at once: one at a time per server, each gets its own answer.
    const many = await Promise.all(
      ['say one', 'say two', 'status'].map((command) => app?.client.post(`/servers/${id}/rcon`, { command })),
    );
    expect(many.map((r) => `${r?.statusCode} ${r?.statusCode === 200 ? '' : r?.body}`)).toEqual([
      '200 ',
      '200 ',
      '200 ',
    ]);
    expect(many[2]?.json().output).toMatch(/hostname/);
    // A password the server does not know: RCON refuses.
    await app.database.db
      .updateTable('servers')
      .set({ rcon_password: 'wrong' })
      .where('id', '=', id)
      .execute();
    await app.supervisor.reconcile(id);
    const refused = await app.client.post(`/servers/${id}/rcon`, { command: 'status' });
    expect(refused.statusCode).toBe(502);
    expect(refused.json()).toEqual({ error: 'rcon: bad password' });
  });
});

describe('supervisor: events', () => {
  it('streams the current state first, then state changes and console lines', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newServer();
    const url = await app.app.listen({ port: 0, host: '127.0.0.1' });
    const cookie = app.client.cookieHeader;
    const stream = openEvents(url, id, cookie);
    try {
      expect(await stream.ready).toBe(200);
      await waitFor(() => stream.events.length >= 2);
      expect(stream.events[0]).toMatchObject({ type: 'state', desired_state: 'stopped' });
      expect(stream.events[1]).toEqual({ type: 'live', live: null });
      await app.client.post(`/servers/${id}/start`);
      await waitFor(() => stream.events.some((e) => e.type === 'state' && e.actual_state === 'running'));
      await waitFor(() => stream.events.some((e) => e.type === 'console' && /is ready/.test(e.line)));
      await waitFor(() => stream.events.some((e) => e.type === 'live' && e.live !== null));
      const states = stream.events
        .filter((e) => e.type === 'state')
        .map((e) => (e.type === 'state' ? e.actual_state : ''));
      expect(states.slice(-2)).toEqual(['starting', 'running']);
    } finally {
      stream.close();
    }
    // Another user's server: 404, as a missing one.
    await createUser(app.database.db, parseCredentials({ username: 'bob', password }), 'user');
    const bob = await logIn(app.app, 'bob');
    for (const [who, serverId] of [
      [bob.cookieHeader, id],
      [cookie, 999_999],
    ] as const) {
      const refused = openEvents(url, serverId, who);
      expect(await refused.ready).toBe(404);
      refused.close();
    }
    // Signed out: no stream at all.
    await app.client.post('/logout');
    const other = openEvents(url, id, cookie);
    expect(await other.ready).not.toBe(200);
    other.close();
  });
});
