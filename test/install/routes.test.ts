import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bootstrapArgs, updateArgs } from '../../src/install/command-lines.js';
import type { Install, InstallEvent, Job } from '../../src/install/control.js';
import { layOutSimulatedInstall } from '../../src/simulator/install.js';
import {
  asInPage,
  type Client,
  logIn,
  openStream,
  signUp,
  startTestApp,
  type TestApp,
  timestamp,
} from '../helpers/app.js';
import { testDialects } from '../helpers/dialects.js';
import {
  FAST,
  makeSimSteamcmd,
  processesMentioning,
  removeSimSteamcmds,
  startedJob,
} from '../helpers/steamcmd.js';
import {
  endSupervisedTest,
  type SupervisedApp,
  startSupervisedApp,
  waitFor,
  waitForState,
} from '../helpers/supervisor.js';

afterAll(removeSimSteamcmds);

/** Waits for the latest job to finish; returns the Install. */
async function finished(client: Client): Promise<Install> {
  return waitFor(async () => {
    const install = (await client.get('/install')).json() as Install;
    return install.job && install.job.state !== 'running' ? install : null;
  });
}

describe.each(testDialects())('install routes (%s)', (dialect) => {
  let t: TestApp | undefined;
  let supervised: SupervisedApp | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
    await endSupervisedTest(supervised);
    supervised = undefined;
  });

  async function appWith(env: Record<string, string>) {
    t = await startTestApp({
      dialect,
      env: { SRCDS_DIR: path.join(mkdtempSync(path.join(tmpdir(), 'l4d2web-srcds-')), 'game'), ...env },
    });
    const admin = await signUp(t.app, 'admin');
    return { t, admin };
  }

  it('is for admins only: 403 "admins only" to others, 401 or the login page without a session', async () => {
    const sim = await makeSimSteamcmd();
    const { t, admin } = await appWith({ STEAMCMD: sim.program });
    expect(
      (await admin.post('/register', { username: 'bob', password: 'correct horse battery' })).statusCode,
    ).toBe(201);
    const bob = await logIn(t.app, 'bob');
    for (const [method, url] of [
      ['GET', '/install'],
      ['POST', '/install'],
      ['POST', '/install/check'],
      ['POST', '/install/cancel'],
      ['GET', '/install/events'],
    ] as const) {
      const response = await bob.request(method, url);
      expect(response.statusCode, `${method} ${url}`).toBe(403);
      expect(response.json()).toEqual({ error: 'admins only' });
    }
    const browser = await logIn(t.app, 'bob', 'form');
    const page = await browser.get('/install');
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('admins only');
    const anonymous = await t.app.inject({
      method: 'GET',
      url: '/install',
      headers: { accept: 'application/json' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(sim.runs()).toEqual([]);
    // Bob's dashboard has no banner; the admin's says the game is missing.
    expect((await browser.get('/')).body).not.toContain('data-install-banner');
    const adminPage = await logIn(t.app, 'admin', 'form');
    expect((await adminPage.get('/')).body).toContain(asInPage('The game is not installed yet.'));
  });

  it('409 for a second job, and for a cancel with none running; the page shows why', async () => {
    const sim = await makeSimSteamcmd({ bytesTotal: 10_000_000_000, bytesPerSecond: 10_000_000, tickMs: 50 });
    const { t, admin } = await appWith({ STEAMCMD: sim.program });
    // The buttons take no fields: an unknown one is a 400 that starts nothing.
    for (const url of ['/install', '/install/check', '/install/cancel']) {
      const refused = await admin.post(url, { force: true });
      expect(refused.statusCode, url).toBe(400);
      expect(refused.json()).toMatchObject({
        error: 'force: is not a known field',
        fields: { force: expect.any(String) },
      });
    }
    expect(((await admin.get('/install')).json() as Install).job).toBeNull();
    expect(sim.runs()).toEqual([]);
    const cancelNone = await admin.post('/install/cancel');
    expect(cancelNone.statusCode).toBe(409);
    expect(cancelNone.json()).toEqual({ error: 'no install job is running' });
    const first = await admin.post('/install');
    expect(first.statusCode).toBe(202);
    const second = await admin.post('/install');
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({ error: 'an install job is already running' });
    const browser = await logIn(t.app, 'admin', 'form');
    const again = await browser.post('/install', {});
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('an install job is already running');
    expect(again.body).toContain('<h1>Game install</h1>');
    expect((await admin.post('/install/cancel')).statusCode).toBe(202);
    expect(t.installer.runningJob).toBeNull();
  });

  it('cancel ends SteamCMD by its process group, and the job says cancelled', async () => {
    const sim = await makeSimSteamcmd({ bytesTotal: 10_000_000_000, bytesPerSecond: 10_000_000, tickMs: 50 });
    const { admin } = await appWith({ STEAMCMD: sim.program });
    const job = (await admin.post('/install')).json() as Job;
    // steamcmd.sh and the program it runs (its child, as Valve's script does) are both up.
    await waitFor(() => processesMentioning(sim.dir).length >= 3);
    await waitFor(async () => ((await admin.get('/install')).json() as Install).job?.phase === 'download');
    const cancelled = await admin.post('/install/cancel');
    expect(cancelled.statusCode).toBe(202);
    expect(cancelled.json()).toMatchObject({
      id: job.id,
      state: 'cancelled',
      error: 'cancelled',
      finished_at: timestamp,
    });
    expect(processesMentioning(sim.dir)).toEqual([]);
    expect(((await admin.get('/install')).json() as Install).state).toBe('missing');
  });

  it('an update of an install without the Windows bootstrap meets Invalid platform, and is tried again with it', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '9' });
    const { t, admin } = await appWith({ STEAMCMD: sim.program });
    await layOutSimulatedInstall(t.config.srcdsDir);
    expect(((await admin.get('/install')).json() as Install).state).toBe('installed');
    const job = (await admin.post('/install')).json() as Job;
    expect(job.kind).toBe('update');
    const install = await finished(admin);
    expect(install).toMatchObject({
      state: 'installed',
      buildid: '9',
      job: { state: 'succeeded', attempts: 2, error: '' },
    });
    expect(sim.runs()).toEqual([updateArgs(t.config.srcdsDir), bootstrapArgs(t.config.srcdsDir)]);
    const log = await t.installer.jobLines(job.id);
    expect(log).toContain("ERROR! Failed to install app '222860' (Invalid platform)");
  });

  it('failAt 0x402: retried 3 times, then failed with the network sentence', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, failAt: { percent: 25, code: '0x402' } });
    const { admin } = await appWith({ STEAMCMD: sim.program });
    expect((await admin.post('/install')).statusCode).toBe(202);
    const install = await finished(admin);
    expect(install).toMatchObject({
      state: 'failed',
      job: { state: 'failed', attempts: 4, error: 'download interrupted (network)', finished_at: timestamp },
    });
    expect(sim.runs()).toHaveLength(4);
  });

  it('refuses without enough free space, before running SteamCMD', async () => {
    const sim = await makeSimSteamcmd();
    const { t, admin } = await appWith({ STEAMCMD: sim.program, INSTALL_MIN_FREE_GB: '100000000' });
    expect((await admin.post('/install')).statusCode).toBe(202);
    const install = await finished(admin);
    expect(install.job?.error).toMatch(
      new RegExp(
        `^need 100000000 GB free in ${t.config.srcdsDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, found \\d+\\.\\d GB$`,
      ),
    );
    expect(install.state).toBe('failed');
    expect(sim.runs()).toEqual([]);
  });

  it('without SteamCMD the job says how to get it', async () => {
    const { admin } = await appWith({ STEAMCMD: '/nonexistent/steamcmd.sh' });
    await admin.post('/install');
    expect((await finished(admin)).job?.error).toBe(
      'steamcmd not found: install it (Debian: the steamcmd package from non-free) or set STEAMCMD',
    );
  });

  it('checks for updates on demand: available, up to date, unknown when Steam cannot be asked', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '5' });
    const { admin } = await appWith({ STEAMCMD: sim.program });
    expect((await admin.post('/install/check')).json()).toMatchObject({
      remote_buildid: '5',
      update_available: null,
    });
    await admin.post('/install');
    await finished(admin);
    expect((await admin.post('/install/check')).json()).toMatchObject({
      buildid: '5',
      update_available: false,
    });
    await sim.configure({ remoteBuildid: '6' });
    const check = await admin.post('/install/check');
    expect(check.statusCode).toBe(200);
    expect(check.json()).toMatchObject({
      buildid: '5',
      remote_buildid: '6',
      update_available: true,
      checked_at: timestamp,
    });
    await sim.configure({ offline: true });
    expect((await admin.post('/install/check')).json()).toMatchObject({
      remote_buildid: null,
      update_available: null,
    });
  });

  it('buffered output still yields progress as it happens: the pseudo-terminal works (SSE)', async () => {
    // bufferWhenNotTty (the default): through a pipe, this job's output would come in one piece at its end.
    const sim = await makeSimSteamcmd({ ...FAST, bufferWhenNotTty: true });
    const { t, admin } = await appWith({ STEAMCMD: sim.program });
    const srcdsDir = t.config.srcdsDir;
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const stream = openStream<InstallEvent>(`${url}/install/events`, admin.cookieHeader);
    expect(await stream.ready).toBe(200);
    await waitFor(() => stream.events.some((event) => event.type === 'install'));
    const seen: boolean[] = [];
    const watching = setInterval(() => {
      for (const event of stream.events.splice(0)) {
        if (event.type === 'progress' && event.phase === 'download' && event.percent < 50) {
          // The simulator lays the game out after its download: this came while it was downloading.
          seen.push(!existsSync(path.join(srcdsDir, 'srcds_run')));
        }
      }
    }, 5);
    await admin.post('/install');
    await finished(admin);
    clearInterval(watching);
    stream.close();
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every(Boolean)).toBe(true);
  });

  it('install from nothing over HTTP: progress rises to 100, installed with its build, servers then run', async () => {
    const sim = await makeSimSteamcmd({ ...FAST, remoteBuildid: '16446406' });
    const srcdsDir = path.join(mkdtempSync(path.join(tmpdir(), 'l4d2web-srcds-')), 'game');
    supervised = await startSupervisedApp({ dialect, installDir: srcdsDir, env: { STEAMCMD: sim.program } });
    const { client } = supervised;
    const a = await supervised.newServer();
    const b = await supervised.newServer();
    for (const { id } of [a, b]) await client.post(`/servers/${id}/start`);
    // No game yet: the servers cannot start.
    expect((await waitForState(supervised, a.id, 'failed')).last_error).toContain('srcds_run');
    const url = await supervised.app.listen({ port: 0, host: '127.0.0.1' });
    const stream = openStream<InstallEvent>(`${url}/install/events`, client.cookieHeader);
    expect(await stream.ready).toBe(200);
    await waitFor(() => stream.events.some((event) => event.type === 'install'));
    expect(stream.events[0]).toMatchObject({ type: 'install', state: 'missing', job: null });

    const started = await client.post('/install');
    expect(started.statusCode).toBe(202);
    expect(started.json()).toEqual(startedJob('install'));
    await waitForState(supervised, a.id, 'updating');
    const install = await finished(client);
    expect(install).toMatchObject({ state: 'installed', buildid: '16446406', path: srcdsDir });
    expect(install.job).toMatchObject({ state: 'succeeded', phase: 'done', percent: 100, attempts: 1 });
    for (const { id } of [a, b]) await waitForState(supervised, id, 'running');

    await waitFor(() =>
      stream.events.some((event) => event.type === 'install' && event.state === 'installed'),
    );
    stream.close();
    const progress = stream.events.flatMap((event) => (event.type === 'progress' ? [event] : []));
    const downloads = progress.filter((event) => event.phase === 'download').map((event) => event.percent);
    expect(downloads.length).toBeGreaterThan(5);
    expect(downloads).toEqual([...downloads].sort((x, y) => x - y));
    expect(progress.at(-1)).toEqual({
      type: 'progress',
      job_id: install.job?.id,
      phase: 'done',
      percent: 100,
      bytes_done: 50_000_000,
      bytes_total: 50_000_000,
    });
    expect(
      stream.events.some(
        (event) => event.type === 'log' && event.line === "Success! App '222860' fully installed.",
      ),
    ).toBe(true);
    // The Install page, and the server page while it waited, say so.
    const browser = await logIn(supervised.app, 'admin', 'form');
    const page = await browser.get('/install');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('16446406');
    expect(page.body).toContain('<progress class="install-progress" max="100" value="100"');
  });
});
