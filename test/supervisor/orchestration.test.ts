/**
 * The supervisor's orchestration on a fake runtime and a fake clock (test/helpers/fake-runtime.ts):
 * crashes and their backoff, the crash loop, hangs, slow starts, stop escalation, busy ports, a
 * missing install, restart, adoption and delete, each step by step, nothing spawned, no sleeping.
 * The same stories run against real processes in lifecycle, faults and adopt.test.ts.
 */

import { createSocket, type Socket } from 'node:dgram';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleLogPath } from '../../src/config/paths.js';
import { missingInstallMessage } from '../../src/supervisor/process-runtime.js';
import { logIn } from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import {
  endSupervisedTest,
  type FakeSupervisedApp,
  fastOptions,
  serverRow,
  startFakeSupervisedApp,
  waitFor,
} from '../helpers/supervisor.js';

const { backoffInitialMs = 0, hangTimeoutMs = 0, startTimeoutMs = 0, stopGraceMs = 0 } = fastOptions;
const firstPoll = fastOptions.a2sStartingIntervalMs ?? 0;

// One app and database per dialect; each test gets a fresh supervisor, runtime and clock, no servers.
let app: FakeSupervisedApp;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanups.splice(0)) step();
});

/** The actual_state values the server's events announce, in order. */
function statesOf(a: FakeSupervisedApp, id: number): string[] {
  const seen: string[] = [];
  a.supervisor.subscribe(id, (event) => {
    if (event.type === 'state') seen.push(event.actual_state);
  });
  return seen;
}

const row = (id: number) => serverRow(app, id);

/** The row of a server a previous panel ran: wanted and recorded running. */
const recordedRunning = (a: FakeSupervisedApp, id: number) =>
  a.database.db
    .updateTable('servers')
    .set({ desired_state: 'running', actual_state: 'running' })
    .where('id', '=', id)
    .execute();

/** Once the first backoff is over: launched again (`launches` in all), and running. */
async function expectRelaunched(a: FakeSupervisedApp, id: number, launches: number): Promise<void> {
  await a.advance(backoffInitialMs + firstPoll);
  expect(a.runtime.launches).toHaveLength(launches);
  expect((await row(id)).actual_state).toBe('running');
}
const consoleOf = (a: FakeSupervisedApp, id: number) => readFileSync(consoleLogPath(a.dataDir, id), 'utf8');

describe.each(testDialects())('supervisor orchestration on a fake runtime (%s)', (dialect) => {
  let shared: FakeSupervisedApp | undefined;
  beforeAll(async () => {
    shared = await startFakeSupervisedApp({ dialect });
  });
  afterAll(() => endSupervisedTest(shared));
  beforeEach(async () => {
    app = await (shared as FakeSupervisedApp).fresh();
  });

  it('start: starting, then running at the first A2S answer, with the live facts and players it polled', async () => {
    const { id, port } = await app.newServer();
    const seen = statesOf(app, id);
    app.runtime.onLaunch = (process) => {
      process.live = { map: 'c2m1_highway', players: 1, max_players: 4 };
      process.players = [{ name: 'Ellis', score: 3, seconds: 61 }];
    };
    expect((await app.client.post(`/servers/${id}/start`)).statusCode).toBe(202);
    await app.supervisor.idle();
    expect((await row(id)).actual_state).toBe('starting');
    expect(app.runtime.launches).toHaveLength(1);
    expect(app.runtime.last.port).toBe(port);
    expect(app.supervisor.liveStatus(id)).toBeNull();

    await app.advance(firstPoll);
    expect(await row(id)).toMatchObject({ actual_state: 'running', last_error: '' });
    expect(seen).toEqual(['starting', 'running']);
    expect(app.supervisor.liveStatus(id)).toEqual({ map: 'c2m1_highway', players: 1, max_players: 4 });
    expect((await app.client.get(`/servers/${id}`)).json().live).toEqual({
      map: 'c2m1_highway',
      players: 1,
      max_players: 4,
    });
    // Who plays comes from the same poll; the time connected counts on from the answer.
    app.runtime.last.answering = false;
    app.clock.advance(30_000);
    expect(await app.supervisor.livePlayers(id)).toEqual([
      { name: 'Ellis', score: 3, seconds: expect.closeTo(91, 0) },
    ]);
  });

  it('a crash is recorded with its exit, and the server is launched again once the backoff is over', async () => {
    const { id } = await app.newRunningServer();
    app.runtime.last.exit({ code: 139 });
    await app.supervisor.idle();
    expect(await row(id)).toMatchObject({
      actual_state: 'crashed',
      last_error: 'crashed: exited with code 139',
    });
    expect(app.supervisor.liveStatus(id)).toBeNull();
    expect(consoleOf(app, id)).toContain(`server process ${app.runtime.last.pid} exited with code 139`);

    await app.advance(backoffInitialMs - 1);
    expect(app.runtime.launches).toHaveLength(1);
    await app.advance(1);
    expect(app.runtime.launches).toHaveLength(2);
    await app.advance(firstPoll);
    // Running again; last_error says what happened until the owner starts it anew.
    expect(await row(id)).toMatchObject({
      actual_state: 'running',
      last_error: 'crashed: exited with code 139',
    });

    // The second crash in the window waits twice as long.
    app.runtime.last.exit({ signal: 'SIGSEGV' });
    await app.advance(2 * backoffInitialMs - 1);
    expect(app.runtime.launches).toHaveLength(2);
    expect((await row(id)).last_error).toBe('crashed: killed by signal SIGSEGV');
    await app.advance(1);
    expect(app.runtime.launches).toHaveLength(3);
  });

  it('too many crashes in the window end in failed, "crash loop: ..."; start tries again with a clean slate', async () => {
    const { id } = await app.newServer();
    app.runtime.onLaunch = (process) => process.exit({ code: 139 });
    await app.client.post(`/servers/${id}/start`);
    await app.advance(60_000);
    expect(await row(id)).toMatchObject({
      actual_state: 'failed',
      last_error: 'crash loop: 3 crashes in 60 s, last exited with code 139',
    });
    expect(app.runtime.launches).toHaveLength(3);
    // It stays failed: no more launches.
    await app.advance(60_000);
    expect(app.runtime.launches).toHaveLength(3);

    app.runtime.onLaunch = () => {};
    await app.client.post(`/servers/${id}/start`);
    await app.advance(firstPoll);
    expect(app.runtime.launches).toHaveLength(4);
    expect(await row(id)).toMatchObject({ actual_state: 'running', last_error: '' });
  });

  it('a hung server (alive, silent, deaf to SIGTERM) is killed after the grace period and launched again', async () => {
    const { id } = await app.newRunningServer();
    const hung = app.runtime.last;
    hung.answering = false;
    hung.ignoresSigterm = true;
    app.clock.advance(hangTimeoutMs + 1);
    await waitFor(() => hung.signals.includes('SIGTERM'), { intervalMs: 1 });
    expect((await row(id)).actual_state).toBe('stopping');
    await app.untilTimerIn(stopGraceMs);
    app.clock.advance(stopGraceMs);
    await app.supervisor.idle();
    expect(hung.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(await row(id)).toMatchObject({
      actual_state: 'crashed',
      last_error: expect.stringMatching(/^crashed: hung: no A2S answer for 2 s, killed it$/),
    });
    expect(consoleOf(app, id)).toContain('stopping: no exit after SIGTERM, sending SIGKILL');
    await expectRelaunched(app, id, 2);
  });

  it('a start that never answers A2S is stopped and failed at the start timeout', async () => {
    const { id } = await app.newServer();
    app.runtime.onLaunch = (process) => {
      process.answering = false;
    };
    await app.client.post(`/servers/${id}/start`);
    await app.advance(startTimeoutMs);
    expect((await row(id)).actual_state).toBe('starting');
    await app.advance(1);
    expect(await row(id)).toMatchObject({
      actual_state: 'failed',
      last_error: 'did not answer A2S within 15 s of its start; stopped it',
    });
    expect(app.runtime.last.signals).toEqual(['SIGTERM']);
    expect(app.runtime.last.isAlive()).toBe(false);
  });

  it('stop asks RCON quit, then SIGTERM, then SIGKILL, each after the grace period; our own stop is no crash', async () => {
    const { id } = await app.newRunningServer();
    const stubborn = app.runtime.last;
    stubborn.quitsOnRcon = false;
    stubborn.ignoresSigterm = true;
    const seen = statesOf(app, id);
    expect((await app.client.post(`/servers/${id}/stop`)).statusCode).toBe(202);
    await waitFor(() => stubborn.commands.includes('quit'), { intervalMs: 1 });
    await app.untilTimerIn(stopGraceMs);
    expect(stubborn.signals).toEqual([]);
    app.clock.advance(stopGraceMs);
    await waitFor(() => stubborn.signals.includes('SIGTERM'), { intervalMs: 1 });
    await app.untilTimerIn(stopGraceMs);
    expect(stubborn.signals).toEqual(['SIGTERM']);
    app.clock.advance(stopGraceMs);
    await app.supervisor.idle();
    expect(stubborn.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(await row(id)).toMatchObject({ actual_state: 'stopped', last_error: '' });
    expect(seen).toEqual(['stopping', 'stopped']);
    const log = consoleOf(app, id);
    expect(log).toContain('stopping: rcon quit');
    expect(log).not.toContain(`server process ${stubborn.pid}`);
    await app.advance(10_000);
    expect(app.runtime.launches).toHaveLength(1);
  });

  it('a port another program holds: failed, naming the port and protocol, nothing launched', async () => {
    const { id, port } = await app.newServer();
    const socket: Socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
    cleanups.push(() => socket.close());
    await app.client.post(`/servers/${id}/start`);
    await app.supervisor.idle();
    expect(await row(id)).toMatchObject({
      actual_state: 'failed',
      last_error: `port ${port}/udp is in use by another program`,
    });
    expect(app.runtime.launches).toEqual([]);
    expect(consoleOf(app, id)).toContain(`not started: port ${port}/udp is in use by another program`);
  });

  it('a start that ends at once saying it could not bind: failed with that port, and not retried', async () => {
    const { id, port } = await app.newServer();
    app.runtime.onLaunch = (process) => {
      appendFileSync(consoleLogPath(app.dataDir, id), `Failed to bind to port ${port} (TCP): EADDRINUSE\n`);
      process.exit({ code: 1 });
    };
    await app.client.post(`/servers/${id}/start`);
    await app.advance(10_000);
    expect(await row(id)).toMatchObject({
      actual_state: 'failed',
      last_error: `port ${port}/tcp is in use by another program`,
    });
    expect(app.runtime.launches).toHaveLength(1);
  });

  it('a missing install: failed, saying how to install; the message stays when it is stopped', async () => {
    const { id } = await app.newServer();
    app.runtime.refusal = missingInstallMessage(app.installDir);
    await app.client.post(`/servers/${id}/start`);
    await app.supervisor.idle();
    const failed = await row(id);
    expect(failed.actual_state).toBe('failed');
    expect(failed.last_error).toContain(`srcds_run is missing at ${app.installDir}/srcds_run`);
    expect(consoleOf(app, id)).toContain(`not started: ${failed.last_error}`);
    await app.client.post(`/servers/${id}/stop`);
    await app.supervisor.idle();
    expect(await row(id)).toMatchObject({ actual_state: 'stopped', last_error: failed.last_error });
  });

  it('a start pressed while a game update holds the server is answered by the job: a failed job fails it, nothing launched', async () => {
    const { id } = await app.newServer();
    await app.supervisor.holdForUpdate();
    // A resync sees the wish first (the server is recorded updating), then the start's message arrives.
    await app.database.db
      .updateTable('servers')
      .set({ desired_state: 'running' })
      .where('id', '=', id)
      .execute();
    app.supervisor.desiredStateChanged(id);
    await app.supervisor.idle();
    expect((await row(id)).actual_state).toBe('updating');
    app.supervisor.desiredStateChanged(id, 'start');
    await app.supervisor.idle();
    await app.supervisor.releaseUpdateHold('not enough disk space in SRCDS_DIR');
    await app.advance(backoffInitialMs + firstPoll);
    expect(await row(id)).toMatchObject({
      actual_state: 'failed',
      last_error: 'game update failed: not enough disk space in SRCDS_DIR',
    });
    expect(app.runtime.launches).toHaveLength(0);
  });

  it('restart stops the process (RCON quit) and launches a new one', async () => {
    const { id } = await app.newRunningServer();
    const first = app.runtime.last;
    const seen = statesOf(app, id);
    expect((await app.client.post(`/servers/${id}/restart`)).statusCode).toBe(202);
    await app.advance(firstPoll);
    expect(first.commands).toEqual(['quit']);
    expect(first.isAlive()).toBe(false);
    expect(app.runtime.launches).toHaveLength(2);
    expect(app.supervisor.pidOf(id)).toBe(app.runtime.last.pid);
    expect(seen).toEqual(['stopping', 'stopped', 'starting', 'running']);
  });

  it('adopts a process a previous panel left running (never a second launch); its exit is a crash of unknown status', async () => {
    const { id, port } = await app.newServer();
    await recordedRunning(app, id);
    await app.supervisor.stop();
    const left = app.runtime.leaveRunning(id, port);
    const next = await app.replaceSupervisor();
    const seen = statesOf(app, id);
    await app.advance(200);
    expect(next.pidOf(id)).toBe(left.pid);
    expect(app.runtime.launches).toEqual([]);
    expect(next.liveStatus(id)).toEqual(left.live);
    expect(seen).toEqual([]);

    left.exit();
    await next.idle();
    expect(await row(id)).toMatchObject({
      actual_state: 'crashed',
      last_error: 'crashed: exited (exit status unknown: the process was adopted after a panel restart)',
    });
    await expectRelaunched(app, id, 1);
  });

  it('a server recorded running whose process is gone is a crash "while the panel was not running"', async () => {
    const { id } = await app.newServer();
    await recordedRunning(app, id);
    await app.supervisor.stop();
    await app.replaceSupervisor();
    await app.supervisor.idle();
    expect((await row(id)).last_error).toBe(
      'crashed: exited while the panel was not running (exit status unknown)',
    );
    await expectRelaunched(app, id, 1);
  });

  it('delete stops the server, forgets its files, and no resync brings it back', async () => {
    const { id } = await app.newRunningServer();
    const process = app.runtime.last;
    expect((await app.client.delete(`/servers/${id}`)).statusCode).toBe(204);
    expect(process.commands).toEqual(['quit']);
    expect(process.isAlive()).toBe(false);
    expect(app.supervisor.pidOf(id)).toBeNull();
    expect(existsSync(`${app.dataDir}/servers/${id}`)).toBe(false);
    await app.advance(10 * (fastOptions.resyncMs ?? 0));
    expect(app.runtime.launches).toHaveLength(1);
    expect(existsSync(`${app.dataDir}/servers/${id}`)).toBe(false);
  });

  it('a row deleted behind its back (another panel): the process is stopped and its files go', async () => {
    const { id } = await app.newRunningServer();
    await app.database.db.deleteFrom('server_ports').where('server_id', '=', id).execute();
    await app.database.db.deleteFrom('servers').where('id', '=', id).execute();
    await app.advance(fastOptions.resyncMs ?? 0);
    expect(app.runtime.last.isAlive()).toBe(false);
    expect(app.supervisor.pidOf(id)).toBeNull();
    expect(existsSync(`${app.dataDir}/servers/${id}`)).toBe(false);
  });

  describe('the server page asks the supervisor, never the game server', () => {
    it('players come from the poll; a kick asks for a fresh one, so the next page view no longer lists the player', async () => {
      const { id } = await app.newServer();
      const players = [
        { name: 'Coach', score: 1, seconds: 300 },
        { name: '<b>Ellis</b>', score: 2, seconds: 65 },
      ];
      app.runtime.onLaunch = (process) => {
        process.players = players.map((player) => ({ ...player }));
        process.live = { map: 'c2m1_highway', players: 2, max_players: 8 };
        process.respond = (command) => {
          if (command === 'status')
            return '# userid name uniqueid connected\n#  3 "<b>Ellis</b>" STEAM_1:1:1 01:05 34 0 active\n';
          if (command === 'kickid 3') {
            process.players = process.players.filter((player) => player.name !== '<b>Ellis</b>');
            process.live = { ...process.live, players: 1 };
          }
          return '';
        };
      };
      await app.client.post(`/servers/${id}/start`);
      await app.advance(firstPoll);
      const browser = await logIn(app.app, 'admin', 'form');
      const queries = app.runtime.queries;
      const page = await browser.get(`/servers/${id}`);
      const section = (body: string) => body.slice(body.indexOf('id="players"'), body.indexOf('id="map"'));
      expect(section(page.body)).toContain('<td>Coach</td><td>1</td><td>5:00</td>');
      expect(section(page.body)).toContain('aria-label="Kick &lt;b>Ellis&lt;/b>"');
      expect(app.runtime.queries).toBe(queries);

      const kicked = await browser.post(`/servers/${id}/kick`, { name: '<b>Ellis</b>' });
      expect(kicked.statusCode).toBe(302);
      expect(app.runtime.last.commands).toEqual(['status', 'kickid 3']);
      const after = section((await browser.get(`/servers/${id}`)).body);
      expect(after).toContain('Coach');
      expect(after).not.toContain('Ellis');
    });

    it('RCON: 409 "server is not running" when it is not, 502 "rcon: <reason>" when it does not take the command', async () => {
      const { id } = await app.newServer();
      const notRunning = await app.client.post(`/servers/${id}/rcon`, { command: 'status' });
      expect(notRunning.statusCode).toBe(409);
      expect(notRunning.json()).toEqual({ error: 'server is not running' });
      // From the page's form: the page again, the message beside the console, the command kept.
      const browser = await logIn(app.app, 'admin', 'form');
      const form = await browser.post(`/servers/${id}/rcon`, { command: 'say hi' });
      expect(form.statusCode).toBe(409);
      const consoleSection = form.body.slice(form.body.indexOf('id="console"'));
      expect(consoleSection).toContain('<p class="error" role="alert">server is not running</p>');
      expect(consoleSection).toContain('value="say hi"');
      await app.client.post(`/servers/${id}/start`);
      await app.advance(firstPoll);
      expect((await app.client.post(`/servers/${id}/rcon`, { command: 'say hi' })).json()).toEqual({
        output: 'ran say hi\n',
      });
      app.runtime.last.answering = false;
      const failed = await app.client.post(`/servers/${id}/rcon`, { command: 'status' });
      expect(failed.statusCode).toBe(502);
      expect(failed.json()).toEqual({ error: 'rcon: timed out' });
      const kick = await app.client.post(`/servers/${id}/kick`, { userid: 2 });
      expect(kick.statusCode).toBe(502);
      expect(kick.json()).toEqual({ error: 'rcon: timed out' });
    });
  });
});
