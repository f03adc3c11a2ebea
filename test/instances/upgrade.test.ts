import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser, parseCredentials } from '../../src/auth/users.js';
import { loadConfig } from '../../src/config/config.js';
import type { Dialect } from '../../src/db/connect.js';
import { instancePaths } from '../../src/instances/layout.js';
import { clientPortFor } from '../../src/launch/plan.js';
import { currentBootId, readProcStat } from '../../src/os/proc.js';
import { type Panel, startPanel } from '../../src/panel.js';
import {
  type Client,
  createBlueprint,
  createServer,
  logIn,
  password,
  signUp,
  startTestApp,
  tempDir,
} from '../helpers/app.js';
import { dropDatabase, freshDatabaseUrl, testDialects } from '../helpers/dialects.js';
import { freeGamePort, makeSimulatedInstall, waitForA2s } from '../helpers/simulator.js';
import {
  endSupervisedTest,
  fastOptions,
  isAlive,
  processesUsing,
  trackDir,
  waitFor,
} from '../helpers/supervisor.js';
import { treeSnapshot } from '../helpers/tree.js';

const panels: Panel[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const panel of panels.splice(0)) await panel.close();
  await endSupervisedTest(undefined);
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface OldServer {
  id: number;
  port: number;
  rconPassword: string;
}

/**
 * A data folder and install as the panel before instance directories left them: every server's cfg
 * in the install's shared `left4dead2/cfg/l4d2web/server-<id>.cfg`, its console.log and pid file in
 * `$DATA_DIR/servers/<id>/`, and a running server launched from the install itself.
 */
function layOutOldPanel(
  dataDir: string,
  installDir: string,
  servers: OldServer[],
  running: OldServer,
): number {
  const shared = path.join(installDir, 'left4dead2', 'cfg', 'l4d2web');
  mkdirSync(shared, { recursive: true });
  for (const server of servers) {
    const cfg = ['hostname "Old layout"', '// Managed by l4d2web', `rcon_password "${server.rconPassword}"`];
    writeFileSync(path.join(shared, `server-${server.id}.cfg`), `${cfg.join('\n')}\n`, { mode: 0o600 });
    mkdirSync(path.join(dataDir, 'servers', String(server.id)), { recursive: true });
    writeFileSync(
      path.join(dataDir, 'servers', String(server.id), 'console.log'),
      `[l4d2web] old line ${server.id}\n`,
    );
  }
  const args = ['-game', 'left4dead2', '-norestart', '-strictportbind', '-port', String(running.port)];
  args.push(
    '+clientport',
    String(clientPortFor(running.port)),
    '-nohltv',
    '+exec',
    `l4d2web/server-${running.id}.cfg`,
  );
  const fd = openSync(path.join(dataDir, 'servers', String(running.id), 'console.log'), 'a');
  const child = spawn(path.join(installDir, 'srcds_run'), args, {
    cwd: installDir,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  child.unref();
  const pid = child.pid as number;
  const record = {
    pid,
    startTime: readProcStat(pid)?.startTime,
    bootId: currentBootId(),
    launchedAt: Date.now(),
  };
  writeFileSync(path.join(dataDir, 'servers', String(running.id), 'pid'), `${JSON.stringify(record)}\n`);
  return pid;
}

async function panelOn(dataDir: string, installDir: string, databaseUrl: string): Promise<Panel> {
  const config = loadConfig({
    DATA_DIR: dataDir,
    SRCDS_DIR: installDir,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  const panel = await startPanel(config, fastOptions);
  panels.push(panel);
  return panel;
}

const stateOf = async (client: Client, id: number) =>
  (await client.get(`/servers/${id}`)).json() as { actual_state: string; live: unknown };

describe.each(testDialects())('upgrade to instance directories (%s)', (dialect: Dialect) => {
  it('removes the shared cfgs at start-up, adopts the old process, and moves each server on its next start', async () => {
    const dataDir = tempDir();
    const installDir = await makeSimulatedInstall();
    for (const dir of [dataDir, installDir]) trackDir(dir);
    const databaseUrl = await freshDatabaseUrl(dialect, dataDir);
    cleanups.push(() => dropDatabase(databaseUrl));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    // Rows as today's panel made them: alice's server running, bob's stopped.
    const seed = await startTestApp({ databaseUrl });
    const alice = await signUp(seed.app, 'alice');
    const blueprintId = await createBlueprint(alice, { config: ['hostname "Old layout"'] });
    const aPort = await freeGamePort();
    const a = await createServer(alice, { name: 'a', port: aPort, blueprint_id: blueprintId });
    await createUser(seed.database.db, parseCredentials({ username: 'bob', password }), 'user');
    const bob = await logIn(seed.app, 'bob');
    const bPort = await freeGamePort();
    const b = await createServer(bob, {
      name: 'b',
      port: bPort,
      blueprint_id: await createBlueprint(bob, { name: 'b' }),
    });
    const rows = await seed.database.db.selectFrom('servers').select(['id', 'rcon_password']).execute();
    const passwordOf = (id: number) => rows.find((row) => row.id === id)?.rcon_password ?? '';
    await seed.database.db
      .updateTable('servers')
      .set({ desired_state: 'running', actual_state: 'running' })
      .where('id', '=', a)
      .execute();
    await seed.close();
    const oldA = { id: a, port: aPort, rconPassword: passwordOf(a) };
    const oldPid = layOutOldPanel(
      dataDir,
      installDir,
      [oldA, { id: b, port: bPort, rconPassword: passwordOf(b) }],
      oldA,
    );
    await waitForA2s(aPort);
    expect(readlinkSync(`/proc/${oldPid}/cwd`)).toBe(installDir);

    // The upgraded panel starts.
    let panel = await panelOn(dataDir, installDir, databaseUrl);
    const client = await logIn(panel.app, 'alice');
    const bobClient = await logIn(panel.app, 'bob');
    const shared = path.join(installDir, 'left4dead2', 'cfg', 'l4d2web');
    await waitFor(() => panel.supervisor.pidOf(a) === oldPid);
    expect(existsSync(shared)).toBe(false);
    expect(existsSync(path.join(installDir, 'left4dead2', 'cfg', 'server.cfg'))).toBe(true);
    // Adopted, not launched twice, and still reachable with its password from the database.
    await waitFor(async () => (await stateOf(client, a)).live !== null);
    expect(processesUsing(installDir)).toEqual([oldPid]);
    expect(processesUsing(dataDir)).toEqual([]);
    expect((await client.post(`/servers/${a}/rcon`, { command: 'status' })).statusCode).toBe(200);
    expect(readFileSync(path.join(dataDir, 'servers', String(a), 'console.log'), 'utf8')).toContain(
      `[l4d2web] old line ${a}`,
    );

    // Its next start moves it to its instance; bob's first start is from his.
    expect((await client.post(`/servers/${a}/restart`)).statusCode).toBe(202);
    await waitFor(async () => {
      const pid = panel.supervisor.pidOf(a);
      return pid !== null && pid !== oldPid && (await stateOf(client, a)).actual_state === 'running';
    });
    expect(isAlive(oldPid)).toBe(false);
    expect((await bobClient.post(`/servers/${b}/start`)).statusCode).toBe(202);
    await waitFor(async () => (await stateOf(bobClient, b)).actual_state === 'running');
    for (const id of [a, b]) {
      const paths = instancePaths(dataDir, id);
      const pid = panel.supervisor.pidOf(id) as number;
      expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(paths.game);
      expect(readFileSync(paths.launchCfg, 'utf8')).toContain(`rcon_password "${passwordOf(id)}"`);
      expect(readFileSync(path.join(dataDir, 'servers', String(id), 'console.log'), 'utf8')).toMatch(
        new RegExp(`^\\[l4d2web\\] old line ${id}\\n[\\s\\S]*launching ${paths.game}/srcds_run `),
      );
    }
    expect(processesUsing(installDir)).toEqual([]);
    expect(existsSync(shared)).toBe(false);

    // Starting again changes nothing more: both adopted from their instances, the install untouched.
    const pids = [a, b].map((id) => panel.supervisor.pidOf(id));
    const installBefore = treeSnapshot(installDir);
    panels.splice(panels.indexOf(panel), 1);
    await panel.close();
    panel = await panelOn(dataDir, installDir, databaseUrl);
    await waitFor(() => panel.supervisor.pidOf(a) === pids[0] && panel.supervisor.pidOf(b) === pids[1]);
    expect(treeSnapshot(installDir)).toEqual(installBefore);

    const again = await logIn(panel.app, 'alice');
    const bobAgain = await logIn(panel.app, 'bob');
    await again.post(`/servers/${a}/stop`);
    await bobAgain.post(`/servers/${b}/stop`);
    for (const [who, id] of [
      [again, a],
      [bobAgain, b],
    ] as const)
      await waitFor(async () => (await stateOf(who, id)).actual_state === 'stopped');
  });
});
