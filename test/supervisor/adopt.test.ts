import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForHealth } from '../../src/bench/http.js';
import { pidFilePath } from '../../src/config/paths.js';
import { tempDir } from '../helpers/app.js';
import { spawnPanel } from '../helpers/cli.js';
import { freeGamePort, makeSimulatedInstall } from '../helpers/simulator.js';
import {
  endSupervisedTest,
  isAlive,
  processesUsing,
  type SupervisedApp,
  serverRow,
  startSupervisedApp,
  trackDir,
  waitFor,
  waitForState,
} from '../helpers/supervisor.js';

let app: SupervisedApp | undefined;
const panels = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(async () => {
  const cleanup = () => {
    for (const panel of panels) panel.kill('SIGKILL');
    panels.clear();
  };
  await endSupervisedTest(app, { cleanup, dirs });
  app = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const pidFile = (dataDir: string, id: number) =>
  JSON.parse(readFileSync(pidFilePath(dataDir, id), 'utf8')) as { pid: number };

describe('supervisor: adoption', () => {
  it('a new supervisor adopts the running server (same pid, no second process) and sees it exit', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newRunningServer();
    const pid = app.supervisor.pidOf(id) as number;
    await app.supervisor.stop();
    expect(isAlive(pid)).toBe(true);
    const next = await app.replaceSupervisor();
    // Adoption is a message to the server's reconcile: taken in by its first step.
    await next.reconcile(id);
    expect(next.pidOf(id)).toBe(pid);
    await waitFor(() => next.liveStatus(id));
    expect((await serverRow(app, id)).actual_state).toBe('running');
    expect(processesUsing(app.dataDir)).toEqual([pid]);
    // Not our child: its exit is seen through /proc, with an unknown exit status; then it comes back.
    process.kill(pid, 'SIGKILL');
    const row = await waitFor(async () => {
      const row = await serverRow(app as SupervisedApp, id);
      const now = next.pidOf(id);
      return row.actual_state === 'running' && now && now !== pid ? row : null;
    });
    expect(row.last_error).toMatch(/exit status unknown/);
    await app.client.post(`/servers/${id}/stop`);
    await waitForState(app, id, 'stopped');
    expect(processesUsing(app.dataDir)).toEqual([]);
  });

  it('a pid file naming another process (a reused pid) is not adopted', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newRunningServer();
    const pid = app.supervisor.pidOf(id) as number;
    await app.supervisor.stop();
    const file = pidFilePath(app.dataDir, id);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    process.kill(-pid, 'SIGKILL');
    await waitFor(() => !isAlive(pid));
    // The pid file now names this test process, whose start time differs.
    writeFileSync(file, JSON.stringify({ ...record, pid: process.pid }));
    const next = await app.replaceSupervisor();
    expect(next.pidOf(id)).not.toBe(process.pid);
    const row = await waitFor(async () => {
      const row = await serverRow(app as SupervisedApp, id);
      return row.actual_state === 'running' && next.pidOf(id) ? row : null;
    });
    expect(row.last_error).toMatch(/exited while the panel was not running/);
  });
});

/** A panel as a real process (`node dist/main.js serve`), killed after the test. */
function startPanelProcess(env: Record<string, string>): ChildProcess {
  const { child } = spawnPanel(env);
  panels.add(child);
  child.once('exit', () => panels.delete(child));
  return child;
}

async function http(url: string, init: RequestInit & { cookie?: string } = {}) {
  const response = await fetch(url, {
    ...init,
    headers: {
      accept: 'application/json',
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
    },
    redirect: 'manual',
  });
  return response;
}

describe('supervisor: the panel process dies', () => {
  it('SIGKILL of the panel leaves the game server running; the next panel adopts it', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    trackDir(dataDir);
    const installDir = await makeSimulatedInstall();
    trackDir(installDir);
    const webPort = await freeGamePort();
    const base = `http://127.0.0.1:${webPort}`;
    const env = { DATA_DIR: dataDir, SRCDS_DIR: installDir, PORT: String(webPort) };
    const first = startPanelProcess(env);
    await waitForHealth(base, first);
    const register = await http(`${base}/register`, {
      method: 'POST',
      body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
    });
    expect(register.status).toBe(201);
    const cookie = (register.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const blueprint = await http(`${base}/blueprints`, {
      method: 'POST',
      cookie,
      body: JSON.stringify({ name: 'coop', arguments: [], config: [] }),
    });
    const { id: blueprintId } = (await blueprint.json()) as { id: number };
    const gamePort = await freeGamePort();
    const created = await http(`${base}/servers`, {
      method: 'POST',
      cookie,
      body: JSON.stringify({ name: 'survivor', port: gamePort, blueprint_id: blueprintId }),
    });
    const { id } = (await created.json()) as { id: number };
    expect((await http(`${base}/servers/${id}/start`, { method: 'POST', cookie })).status).toBe(202);
    const state = async () =>
      (await (await http(`${base}/servers/${id}`, { cookie })).json()) as Record<string, unknown>;
    await waitFor(async () => (await state()).actual_state === 'running', {
      timeoutMs: 30_000,
      describe: state,
    });
    const { pid } = pidFile(dataDir, id);
    expect(processesUsing(dataDir)).toEqual([pid]);

    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    expect(isAlive(pid)).toBe(true);

    await waitForHealth(base, startPanelProcess(env));
    await waitFor(async () => (await state()).live !== null, { timeoutMs: 30_000, describe: state });
    expect(await state()).toMatchObject({ actual_state: 'running', last_error: '' });
    expect(pidFile(dataDir, id).pid).toBe(pid);
    expect(processesUsing(dataDir)).toEqual([pid]);

    expect((await http(`${base}/servers/${id}/stop`, { method: 'POST', cookie })).status).toBe(202);
    await waitFor(async () => (await state()).actual_state === 'stopped', {
      timeoutMs: 30_000,
      describe: state,
    });
    expect(isAlive(pid)).toBe(false);
    expect(processesUsing(dataDir)).toEqual([]);
  });
});
