/**
 * The schedule routes (design/operations.md) on both dialects: the Schedule JSON with its next runs,
 * every refusal as a 400 naming the field (nothing saved), others' schedules and servers not found,
 * members by their permissions, and the page with its form.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneRuns } from '../../src/schedules/schedules.js';
import {
  asInPage,
  type Client,
  createBlueprint,
  createServer,
  logIn,
  password,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';

describe.each(testDialects())('schedule routes (%s)', (dialect) => {
  let t: TestApp;
  let alice: Client;
  let bob: Client;
  let server: number;
  let bobsServer: number;

  const valid = () => ({
    name: 'nightly',
    cron: '0 5 * * *',
    server_ids: [server],
    tasks: [{ action: 'restart', offset_seconds: 0 }],
  });
  const rows = () => t.database.db.selectFrom('schedules').selectAll().execute();

  beforeEach(async () => {
    t = await startTestApp({ dialect });
    alice = await signUp(t.app, 'alice');
    await alice.post('/users', { username: 'bob', password });
    bob = await logIn(t.app, 'bob');
    server = await createServer(alice, {
      name: 'alpha',
      port: 27015,
      blueprint_id: await createBlueprint(alice),
    });
    bobsServer = await createServer(bob, {
      name: 'bobs',
      port: 28015,
      blueprint_id: await createBlueprint(bob),
    });
  });
  afterEach(() => t.close());

  it('creates a schedule and shows it with its defaults and next three runs', async () => {
    const created = await alice.post('/schedules', {
      ...valid(),
      cron: '30 4 * * 1',
      timezone: 'Europe/Berlin',
      tasks: [
        { action: 'say', offset_seconds: 0, command: 'Restart in 5 minutes' },
        { action: 'restart', offset_seconds: 300 },
      ],
    });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const shown = (await alice.get(`/schedules/${id}`)).json();
    expect(shown).toEqual({
      id,
      name: 'nightly',
      cron: '30 4 * * 1',
      timezone: 'Europe/Berlin',
      server_ids: [server],
      tasks: [
        { action: 'say', offset_seconds: 0, command: 'Restart in 5 minutes' },
        { action: 'restart', offset_seconds: 300 },
      ],
      when_players: 'skip',
      max_wait_minutes: 30,
      enabled: true,
      next_runs: expect.any(Array),
    });
    expect(shown.next_runs).toHaveLength(3);
    for (const at of shown.next_runs) {
      expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$/);
      const date = new Date(at);
      // Mondays, 4:30 in Berlin: 2:30 or 3:30 UTC.
      expect(date.getUTCDay()).toBe(1);
      expect(['02:30', '03:30']).toContain(at.slice(11, 16));
    }
    expect((await alice.get('/schedules')).json()).toEqual({ schedules: [shown] });
  });

  it('takes 6 fields with seconds first; shows no next runs while disabled', async () => {
    const { id } = (
      await alice.post('/schedules', { ...valid(), cron: '*/10 * * * * *', enabled: false })
    ).json();
    expect((await alice.get(`/schedules/${id}`)).json().next_runs).toEqual([]);
    const enabled = await alice.patch(`/schedules/${id}`, { enabled: true });
    expect(enabled.statusCode).toBe(200);
    const [first, second, third] = enabled.json().next_runs.map((at: string) => Date.parse(at));
    expect([second - first, third - second]).toEqual([10_000, 10_000]);
  });

  it.each([
    [
      { cron: '0 5 * *' },
      'cron',
      'must have 5 fields (minute hour day month weekday), or 6 with seconds first',
    ],
    [
      { cron: '0 0 5 * * * 2026' },
      'cron',
      'must have 5 fields (minute hour day month weekday), or 6 with seconds first',
    ],
    [
      { cron: '@daily' },
      'cron',
      'must have 5 fields (minute hour day month weekday), or 6 with seconds first',
    ],
    [{ cron: '61 5 * * *' }, 'cron', undefined],
    [{ cron: '0 5 31 2 *' }, 'cron', undefined],
    [
      { timezone: 'Mars/Olympus_Mons' },
      'timezone',
      'is not a time zone this system knows: Mars/Olympus_Mons',
    ],
    [{ timezone: '+01:00' }, 'timezone', 'must be an IANA time zone name, e.g. Europe/Berlin or UTC'],
    [{ name: '' }, 'name', 'must not be empty'],
    [{ server_ids: [] }, 'server_ids', 'must name at least one server'],
    [{ server_ids: ['x'] }, 'server_ids', undefined],
    [{ tasks: [] }, 'tasks', 'must hold 1 to 10 tasks'],
    [
      { tasks: Array.from({ length: 11 }, () => ({ action: 'restart' })) },
      'tasks',
      'must hold 1 to 10 tasks',
    ],
    [
      { tasks: [{ action: 'reboot' }] },
      'tasks',
      'task 1: action must be one of restart, start, stop, update, command, say',
    ],
    [
      { tasks: [{ action: 'restart', offset_seconds: 3601 }] },
      'tasks',
      'task 1: offset_seconds must be a whole number from 0 to 3600',
    ],
    [
      { tasks: [{ action: 'restart', offset_seconds: -1 }] },
      'tasks',
      'task 1: offset_seconds must be a whole number from 0 to 3600',
    ],
    [{ tasks: [{ action: 'command' }] }, 'tasks', 'task 1: command needs the console command in command'],
    [
      { tasks: [{ action: 'restart', command: 'quit' }] },
      'tasks',
      'task 1: only command and say tasks take a command',
    ],
    [
      { tasks: [{ action: 'restart' }, { action: 'command', command: 'rcon_password x' }] },
      'tasks',
      undefined,
    ],
    [{ tasks: [{ action: 'say', command: 'hi; quit' }] }, 'tasks', undefined],
    [{ tasks: [{ action: 'restart', when: 'now' }] }, 'tasks', 'task 1: when is not a known field'],
    [{ when_players: 'sometimes' }, 'when_players', 'must be one of skip, wait, force'],
    [{ max_wait_minutes: 1441 }, 'max_wait_minutes', 'must be a whole number of minutes from 0 to 1440'],
    [{ enabled: 'yes' }, 'enabled', 'must be true or false'],
    [{ owner: 2 }, 'owner', 'is not a known field'],
  ])('refuses %j with 400 naming %s, saving nothing', async (change, field, message) => {
    const response = await alice.post('/schedules', { ...valid(), ...change });
    expect(response.statusCode, response.body).toBe(400);
    const { fields } = response.json();
    expect(Object.keys(fields)).toEqual([field]);
    if (message) expect(fields[field]).toBe(message);
    expect(await rows()).toEqual([]);
  });

  it('refuses servers the user may not control: 400 "server N not found"', async () => {
    for (const id of [bobsServer, 999]) {
      const response = await alice.post('/schedules', { ...valid(), server_ids: [server, id] });
      // An admin may control Bob's server; nobody has server 999.
      if (id === bobsServer) expect(response.statusCode).toBe(201);
      else
        expect(response.json()).toEqual({
          error: 'server 999 not found',
          fields: { server_ids: 'server 999 not found' },
        });
    }
    const refused = await bob.post('/schedules', { ...valid(), server_ids: [server] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      error: `server ${server} not found`,
      fields: { server_ids: `server ${server} not found` },
    });
    // A member who may only view, or control but not use the console, is refused the tasks they may not do.
    await alice.post(`/servers/${server}/members`, { username: 'bob', permissions: [] });
    expect((await bob.post('/schedules', { ...valid(), server_ids: [server] })).statusCode).toBe(400);
    await alice.patch(`/servers/${server}/members/2`, { permissions: ['control'] });
    expect((await bob.post('/schedules', { ...valid(), server_ids: [server] })).statusCode).toBe(201);
    const say = await bob.post('/schedules', {
      ...valid(),
      server_ids: [server],
      tasks: [{ action: 'say', command: 'hello' }],
    });
    expect(say.json()).toEqual({
      error: `server ${server} not found`,
      fields: { server_ids: `server ${server} not found` },
    });
  });

  it("another user's schedule is not found, whatever the route; an admin sees every one", async () => {
    const { id } = (await bob.post('/schedules', { ...valid(), server_ids: [bobsServer] })).json();
    await alice.post('/users', { username: 'carol', password });
    const carol = await logIn(t.app, 'carol');
    const before = await rows();
    for (const [method, url, body] of [
      ['GET', `/schedules/${id}`],
      ['PATCH', `/schedules/${id}`, { name: 'mine' }],
      ['POST', `/schedules/${id}`, { name: 'mine' }],
      ['DELETE', `/schedules/${id}`],
      ['POST', `/schedules/${id}/delete`],
      ['POST', `/schedules/${id}/run`],
      ['GET', `/schedules/${id}/runs`],
    ] as const) {
      const response = await carol.request(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json()).toEqual({ error: 'schedule not found' });
    }
    expect(await rows()).toEqual(before);
    expect((await carol.get('/schedules')).json()).toEqual({ schedules: [] });
    expect((await t.database.db.selectFrom('schedule_runs').selectAll().execute()).length).toBe(0);
    expect((await alice.get(`/schedules/${id}`)).statusCode).toBe(200);
  });

  it('changes any subset of fields (checked as at creation), runs now (202) and deletes (204)', async () => {
    const { id } = (await alice.post('/schedules', valid())).json();
    const changed = await alice.patch(`/schedules/${id}`, { when_players: 'wait', max_wait_minutes: 10 });
    expect(changed.json()).toMatchObject({ name: 'nightly', when_players: 'wait', max_wait_minutes: 10 });
    const refused = await alice.patch(`/schedules/${id}`, { cron: 'never' });
    expect(refused.statusCode).toBe(400);
    expect(Object.keys(refused.json().fields)).toEqual(['cron']);
    const run = await alice.post(`/schedules/${id}/run`);
    expect(run.statusCode).toBe(202);
    expect((await alice.get(`/schedules/${id}/runs`)).json()).toEqual({
      runs: [
        {
          id: run.json().id,
          scheduled_for: expect.any(String),
          started_at: null,
          finished_at: null,
          outcome: 'waiting',
          detail: [],
        },
      ],
    });
    expect((await alice.delete(`/schedules/${id}`)).statusCode).toBe(204);
    expect((await alice.get(`/schedules/${id}`)).statusCode).toBe(404);
    expect(await t.database.db.selectFrom('schedule_runs').selectAll().execute()).toEqual([]);
  });

  it('keeps the latest runs of each schedule (the hourly sweep)', async () => {
    const { id } = (await alice.post('/schedules', valid())).json();
    const other = (await alice.post('/schedules', { ...valid(), name: 'other' })).json().id;
    for (let i = 0; i < 5; i++) {
      await alice.post(`/schedules/${id}/run`);
      await alice.post(`/schedules/${other}/run`);
    }
    await pruneRuns(t.database.db, 3);
    const runs = await t.database.db
      .selectFrom('schedule_runs')
      .select(['id', 'schedule_id'])
      .orderBy('id')
      .execute();
    expect(runs.filter((run) => run.schedule_id === id)).toHaveLength(3);
    expect(runs.filter((run) => run.schedule_id === other)).toHaveLength(3);
    expect(
      (await alice.get(`/schedules/${id}/runs`)).json().runs.map((run: { id: number }) => run.id),
    ).toEqual(
      runs
        .filter((run) => run.schedule_id === id)
        .map((run) => run.id)
        .reverse(),
    );
  });

  it('previews the next runs of a cron as typed', async () => {
    const preview = await alice.get('/schedules/preview?cron=0+12+*+*+*&timezone=America/New_York');
    expect(preview.statusCode).toBe(200);
    const runs = preview.json().next_runs as string[];
    expect(runs).toHaveLength(3);
    for (const at of runs) expect(['16:00', '17:00']).toContain(at.slice(11, 16));
    const bad = await alice.get('/schedules/preview?cron=nope');
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fields)).toEqual(['cron']);
  });

  it('the page: a form creates a schedule, its page runs it now and deletes it', async () => {
    const browser = await logIn(t.app, 'alice', 'form');
    const page = await browser.get('/schedules');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('New schedule');
    expect(page.body).toContain('name="task_action"');
    const form = new URLSearchParams();
    for (const [name, value] of [
      ['name', 'morning'],
      ['cron', '0 6 * * *'],
      ['timezone', 'UTC'],
      ['server_ids', String(server)],
      ['task_action', 'say'],
      ['task_offset', '0'],
      ['task_command', 'Restarting soon'],
      ['task_action', 'restart'],
      ['task_offset', '120'],
      ['task_command', ''],
      ['task_action', ''],
      ['task_offset', '0'],
      ['task_command', ''],
      ['when_players', 'wait'],
      ['max_wait_minutes', '15'],
      ['enabled', 'false'],
      ['enabled', 'true'],
    ] as const)
      form.append(name, value);
    const created = await browser.send('POST', '/schedules', {
      payload: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(created.statusCode, created.body).toBe(302);
    const id = Number(created.headers.location?.split('/').at(-1));
    expect((await alice.get(`/schedules/${id}`)).json()).toMatchObject({
      name: 'morning',
      tasks: [
        { action: 'say', offset_seconds: 0, command: 'Restarting soon' },
        { action: 'restart', offset_seconds: 120 },
      ],
      when_players: 'wait',
      max_wait_minutes: 15,
      enabled: true,
    });
    const detail = await browser.get(`/schedules/${id}`);
    expect(detail.body).toContain('Run now');
    expect(detail.body).toContain(asInPage('Restarting soon'));
    expect((await browser.post(`/schedules/${id}/run`)).statusCode).toBe(302);
    expect((await browser.get(`/schedules/${id}`)).body).toContain('waiting');

    const refused = await browser.post('/schedules', {
      name: 'typed name',
      cron: 'bad',
      server_ids: String(server),
      task_action: 'restart',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('typed name');
    expect(refused.body).toContain('must have 5 fields');

    expect((await browser.post(`/schedules/${id}/delete`)).statusCode).toBe(302);
    expect((await alice.get(`/schedules/${id}`)).statusCode).toBe(404);
  });
});
