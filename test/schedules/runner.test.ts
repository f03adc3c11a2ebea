/**
 * The schedule runner on a real database (both dialects), a recording supervisor whose player counts
 * the test sets, and a fake clock: due runs, the player policies, offsets, missed runs, run now, and
 * two runners on one database.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FailedRun, ScheduleRunner } from '../../src/schedules/runner.js';
import type { PlayerCount } from '../../src/supervisor/control.js';
import {
  createBlueprint,
  createServer,
  logIn,
  password,
  recordingSupervisor,
  signUp,
  startTestApp,
  type TestApp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { waitFor } from '../helpers/supervisor.js';

const start = Date.UTC(2026, 0, 1, 4, 59, 0);

describe.each(testDialects())('the schedule runner (%s)', (dialect) => {
  let app: TestApp;
  let clock: FakeClock;
  let supervisor: ReturnType<typeof recordingSupervisor> & { countPlayers(id: number): Promise<PlayerCount> };
  let counts: Map<number, PlayerCount[]>;
  let failed: FailedRun[];
  let runners: ScheduleRunner[];
  let serverId: number;
  let client: Awaited<ReturnType<typeof signUp>>;

  const runner = (supervising = () => true) => {
    const made = new ScheduleRunner(
      {
        db: app.database.db,
        supervisor,
        supervising,
        log: { warn: () => {} },
        onFailed: (f) => failed.push(f),
      },
      { clock, recheckMs: 30_000, graceMs: 60_000 },
    );
    runners.push(made);
    return made;
  };

  /** Creates a schedule through the API at the fake clock's time (its checked_until). */
  const schedule = async (body: Record<string, unknown>) => {
    const response = await client.post('/schedules', {
      name: `s${Math.random()}`,
      cron: '0 5 * * *',
      server_ids: [serverId],
      tasks: [{ action: 'restart', offset_seconds: 0 }],
      ...body,
    });
    expect(response.statusCode, response.body).toBe(201);
    const { id } = response.json();
    await app.database.db
      .updateTable('schedules')
      .set({ checked_until: new Date(clock.now()).toISOString() })
      .where('id', '=', id)
      .execute();
    return id as number;
  };

  const runs = async (id: number) => (await client.get(`/schedules/${id}/runs`)).json().runs;
  const finished = (id: number) =>
    waitFor(async () => {
      const list = await runs(id);
      return list.length > 0 && list.every((run: { finished_at: string | null }) => run.finished_at)
        ? list
        : null;
    });

  beforeEach(async () => {
    clock = new FakeClock(start);
    counts = new Map();
    failed = [];
    runners = [];
    supervisor = Object.assign(recordingSupervisor(), {
      countPlayers: async (id: number) =>
        counts.get(id)?.shift() ?? { known: true as const, players: 0, running: true },
    });
    app = await startTestApp({ dialect, supervisor });
    client = await signUp(app.app, 'admin');
    const blueprint = await createBlueprint(client);
    serverId = await createServer(client, { name: 'one', port: 27015, blueprint_id: blueprint });
  });

  afterEach(async () => {
    for (const made of runners) await made.stop();
    await app.close();
  });

  it('runs a due run once, restarting the server, and says so', async () => {
    const id = await schedule({});
    const run = runner();
    await run.tick();
    expect(supervisor.calls).toEqual([]);
    clock.advance(60_000);
    await run.tick();
    await run.tick();
    const [only] = await finished(id);
    expect(only).toMatchObject({
      scheduled_for: '2026-01-01T05:00:00.000Z',
      outcome: 'done',
      detail: [{ server_id: serverId, outcome: 'done', why: 'restarted' }],
    });
    expect(supervisor.calls).toEqual([`restart ${serverId}`]);
    expect((await runs(id)).length).toBe(1);
  });

  it('skip: a server with players, or an unknown count, is skipped and the run says why', async () => {
    const id = await schedule({ when_players: 'skip' });
    counts.set(serverId, [{ known: true, players: 2, running: true }]);
    clock.advance(60_000);
    await runner().tick();
    const [first] = await finished(id);
    expect(first).toMatchObject({
      outcome: 'skipped',
      detail: [{ outcome: 'skipped', why: 'skipped: 2 players on the server' }],
    });

    counts.set(serverId, [{ known: false, why: 'no A2S answer (the query timed out)' }]);
    await client.post(`/schedules/${id}/run`);
    await runners[0]?.tick();
    const again = await finished(id);
    expect(again[0]).toMatchObject({
      outcome: 'skipped',
      detail: [{ why: 'skipped: player count unknown: no A2S answer (the query timed out)' }],
    });
    expect(supervisor.calls).toEqual([]);
  });

  it('wait: counts again every 30 s until the server is empty, then runs; gives up after max_wait_minutes', async () => {
    const id = await schedule({ when_players: 'wait', max_wait_minutes: 1 });
    counts.set(serverId, [
      { known: true, players: 1, running: true },
      { known: false, why: 'the server is starting, not answering A2S yet' },
    ]);
    clock.advance(60_000);
    const run = runner();
    await run.tick();
    const waiting = await waitFor(async () => {
      const [latest] = await runs(id);
      return latest?.detail[0]?.why.startsWith('waiting') ? latest : null;
    });
    expect(waiting).toMatchObject({ outcome: 'waiting', finished_at: null });
    expect(waiting.detail[0].why).toBe('waiting for an empty server: 1 player on the server');
    await waitFor(() => clock.nextIn() === 30_000);
    clock.advance(30_000);
    // Unknown is never empty: it waits on.
    await waitFor(async () => (await runs(id))[0].detail[0].why.includes('unknown'));
    await waitFor(() => clock.nextIn() === 30_000);
    expect(supervisor.calls).toEqual([]);
    clock.advance(30_000);
    const [done] = await finished(id);
    expect(done).toMatchObject({ outcome: 'done', detail: [{ why: 'restarted' }] });

    counts.set(
      serverId,
      [1, 2, 3, 4].map(() => ({ known: true as const, players: 3, running: true })),
    );
    await client.post(`/schedules/${id}/run`);
    await run.tick();
    for (const _ of [1, 2]) {
      await waitFor(() => clock.nextIn() !== undefined && clock.nextIn() !== 1000);
      clock.advance(30_000);
    }
    const [gaveUp] = await finished(id);
    expect(gaveUp).toMatchObject({
      outcome: 'skipped',
      detail: [{ why: 'skipped: still 3 players on the server after waiting 1 min' }],
    });
  });

  it('force: runs with players on, and the run says it was forced', async () => {
    const id = await schedule({ when_players: 'force' });
    counts.set(serverId, [{ known: true, players: 4, running: true }]);
    clock.advance(60_000);
    await runner().tick();
    const [run] = await finished(id);
    expect(run).toMatchObject({
      outcome: 'forced',
      detail: [{ why: 'forced with 4 players on the server; restarted' }],
    });
    expect(supervisor.calls).toEqual([`restart ${serverId}`]);
  });

  it('carries tasks out at their offsets', async () => {
    const id = await schedule({
      tasks: [
        { action: 'restart', offset_seconds: 60 },
        { action: 'say', offset_seconds: 0, command: 'restart in a minute' },
      ],
    });
    clock.advance(60_000);
    await runner().tick();
    await waitFor(() => supervisor.calls.length === 1);
    expect(supervisor.calls).toEqual([`rcon ${serverId} say restart in a minute`]);
    await waitFor(() => clock.nextIn() === 60_000);
    clock.advance(59_000);
    expect(supervisor.calls.length).toBe(1);
    clock.advance(1_000);
    const [run] = await finished(id);
    expect(supervisor.calls).toEqual([`rcon ${serverId} say restart in a minute`, `restart ${serverId}`]);
    expect(run.detail[0].why).toBe('said; restarted');
  });

  it('a failed task fails the run and tells the alerts; update fails on a panel without the install', async () => {
    supervisor.rcon = async () => {
      throw new Error('server is not running');
    };
    const id = await schedule({ tasks: [{ action: 'command', offset_seconds: 0, command: 'sv_cheats 0' }] });
    clock.advance(60_000);
    await runner().tick();
    const [run] = await finished(id);
    expect(run).toMatchObject({
      outcome: 'failed',
      detail: [{ outcome: 'failed', why: 'command: server is not running' }],
    });
    await waitFor(() => failed.length === 1);
    expect(failed[0]?.schedule.id).toBe(id);

    const update = await schedule({ tasks: [{ action: 'update', offset_seconds: 0 }] });
    await client.post(`/schedules/${update}/run`);
    await runners[0]?.tick();
    const [refused] = await finished(update);
    expect(refused.detail[0].why).toBe('update: this panel does not manage the game install');
  });

  it('records runs missed while no panel supervised once, as missed, and does not replay them', async () => {
    const id = await schedule({ cron: '*/10 * * * *' });
    const run = runner(() => false);
    clock.advance(60 * 60_000);
    await run.tick();
    expect(await runs(id)).toEqual([]);
    const taker = runner();
    await taker.tick();
    await taker.tick();
    const list = await runs(id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      outcome: 'missed',
      scheduled_for: '2026-01-01T05:00:00.000Z',
      started_at: null,
    });
    expect(list[0].detail[0].why).toContain('no panel supervised from 2026-01-01T05:00:00.000Z');
    expect(supervisor.calls).toEqual([]);
    // The next due run runs as usual.
    clock.advance(60_000);
    await taker.tick();
    await waitFor(async () => (await runs(id)).length === 2 && (await runs(id))[0].finished_at);
    expect((await runs(id))[0]).toMatchObject({ outcome: 'done', scheduled_for: '2026-01-01T06:00:00.000Z' });
  });

  it('a late tick within the grace runs the latest due run only, and records nothing as missed', async () => {
    const id = await schedule({ cron: '*/10 * * * * *' });
    const run = runner();
    clock.advance(25_000);
    await run.tick();
    await run.settled();
    const list = await runs(id);
    expect(
      list.map((entry: { outcome: string; scheduled_for: string }) => [entry.outcome, entry.scheduled_for]),
    ).toEqual([['done', '2026-01-01T04:59:20.000Z']]);
  });

  it('a run due while the previous one is still under way is skipped, saying why', async () => {
    const id = await schedule({ cron: '* * * * *', tasks: [{ action: 'restart', offset_seconds: 90 }] });
    const run = runner();
    clock.advance(60_000);
    await run.tick();
    await waitFor(() => clock.nextIn() === 90_000);
    clock.advance(60_000);
    await run.tick();
    const [second, first] = await runs(id);
    expect(second).toMatchObject({
      outcome: 'skipped',
      scheduled_for: '2026-01-01T05:01:00.000Z',
      detail: [
        { server_id: serverId, outcome: 'skipped', why: 'skipped: the previous run is still under way' },
      ],
    });
    expect(first).toMatchObject({ outcome: 'waiting', finished_at: null });
    clock.advance(30_000);
    await run.settled();
    expect((await runs(id))[1]).toMatchObject({ outcome: 'done' });
  });

  it('two runners on one database run each run once', async () => {
    const id = await schedule({ cron: '* * * * *' });
    const [one, two] = [runner(), runner()];
    for (let minute = 0; minute < 5; minute++) {
      clock.advance(60_000);
      await Promise.all([one.tick(), two.tick(), one.tick(), two.tick()]);
      await Promise.all([one.settled(), two.settled()]);
    }
    await Promise.all([one.settled(), two.settled()]);
    const list = await runs(id);
    expect(list.map((run: { scheduled_for: string }) => run.scheduled_for)).toEqual(
      [5, 4, 3, 2, 1].map((m) => new Date(start + m * 60_000).toISOString()),
    );
    expect(supervisor.calls).toHaveLength(5);
  });

  it('run now: asked on any panel, run by the supervising one with the same player policy', async () => {
    const id = await schedule({ when_players: 'skip' });
    const asked = await client.post(`/schedules/${id}/run`);
    expect(asked.statusCode).toBe(202);
    const idle = runner(() => false);
    await idle.tick();
    expect(await runs(id)).toMatchObject([{ id: asked.json().id, outcome: 'waiting', started_at: null }]);
    counts.set(serverId, [{ known: true, players: 1, running: true }]);
    await runner().tick();
    const [run] = await finished(id);
    expect(run).toMatchObject({ id: asked.json().id, outcome: 'skipped' });
  });

  it('a run under way when its panel stopped ends as failed on the next supervising panel', async () => {
    const id = await schedule({ tasks: [{ action: 'restart', offset_seconds: 600 }] });
    clock.advance(60_000);
    const first = runner();
    await first.tick();
    await waitFor(async () => (await runs(id))[0]?.started_at);
    await first.stop();
    const [stopped] = await runs(id);
    expect(stopped).toMatchObject({
      outcome: 'failed',
      detail: [{ why: 'the panel stopped during the run' }],
    });
  });

  it("runs with the owner's rights of today: a server they may no longer control fails", async () => {
    await client.post('/users', { username: 'bob', password });
    const other = await logIn(app.app, 'bob');
    const blueprint = await createBlueprint(other);
    const bobs = await createServer(other, { name: 'bobs', port: 27115, blueprint_id: blueprint });
    const response = await other.post('/schedules', {
      name: 'nightly',
      cron: '0 5 * * *',
      server_ids: [bobs],
      tasks: [{ action: 'restart', offset_seconds: 0 }],
    });
    const id = response.json().id;
    await app.database.db.updateTable('servers').set({ user_id: 1 }).where('id', '=', bobs).execute();
    await app.database.db
      .updateTable('schedules')
      .set({ checked_until: new Date(clock.now()).toISOString() })
      .execute();
    clock.advance(60_000);
    await runner().tick();
    const [run] = await waitFor(async () => {
      const list = (await other.get(`/schedules/${id}/runs`)).json().runs;
      return list[0]?.finished_at ? list : null;
    });
    expect(run).toMatchObject({ outcome: 'failed', detail: [{ why: `server ${bobs} not found` }] });
    expect(supervisor.calls).toEqual([]);
  });
});
