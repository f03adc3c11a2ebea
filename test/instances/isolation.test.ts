import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createUser, parseCredentials } from '../../src/auth/users.js';
import { instancePaths } from '../../src/instances/layout.js';
import { clientPortFor } from '../../src/launch/plan.js';
import { createBlueprint, createServer, logIn, password } from '../helpers/app.js';
import { freeGamePort, queryA2s, rcon } from '../helpers/simulator.js';
import {
  endSupervisedTest,
  type SupervisedApp,
  serverRow,
  startSupervisedApp,
  waitForState,
} from '../helpers/supervisor.js';
import { treeSnapshot } from '../helpers/tree.js';

let app: SupervisedApp | undefined;

afterEach(async () => {
  await endSupervisedTest(app);
  app = undefined;
});

/** The real (not linked) files under dir, relative: what the server or the panel wrote there. */
function ownFiles(dir: string): string[] {
  return Object.entries(treeSnapshot(dir))
    .filter(([, entry]) => entry.kind === 'file')
    .map(([name]) => name)
    .sort();
}

describe('instance directories: two users, two servers', () => {
  it('each server runs from its own instance, holds only its own cfg and addons, and leaves the install unwritten', async () => {
    app = await startSupervisedApp({ blueprint: { name: 'alice-coop', config: ['hostname "Alice"'] } });
    const alice = await app.newServer('alice-server');
    await createUser(app.database.db, parseCredentials({ username: 'bob', password }), 'user');
    const bob = await logIn(app.app, 'bob');
    const bobPort = await freeGamePort();
    const bobServer = {
      id: await createServer(bob, {
        name: 'bob-server',
        port: bobPort,
        blueprint_id: await createBlueprint(bob, { name: 'bob-coop', config: ['hostname "Bob"'] }),
      }),
      port: bobPort,
    };
    const installBefore = treeSnapshot(app.installDir);

    expect((await app.client.post(`/servers/${alice.id}/start`)).statusCode).toBe(202);
    expect((await bob.post(`/servers/${bobServer.id}/start`)).statusCode).toBe(202);
    for (const { id } of [alice, bobServer]) await waitForState(app, id, 'running');
    expect((await queryA2s(alice.port)).name).toBe('Alice');
    expect((await queryA2s(bobServer.port)).name).toBe('Bob');

    const servers = [
      { ...alice, hostname: 'Alice', password: (await serverRow(app, alice.id)).rcon_password },
      { ...bobServer, hostname: 'Bob', password: (await serverRow(app, bobServer.id)).rcon_password },
    ];
    for (const [index, server] of servers.entries()) {
      const other = servers[1 - index] as (typeof servers)[number];
      const paths = instancePaths(app.dataDir, server.id);

      // The launch line and working directory, as the process table shows them.
      const pid = app.supervisor.pidOf(server.id) as number;
      expect(readlinkSync(`/proc/${pid}/cwd`)).toBe(paths.game);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(2, -1);
      expect(cmdline).toEqual([
        '--root',
        paths.game,
        ...['-game', 'left4dead2', '-norestart', '-strictportbind', '-port', String(server.port)],
        ...['+clientport', String(clientPortFor(server.port)), '-nohltv', '+exec', 'l4d2web.cfg'],
      ]);
      const consoleLog = readFileSync(
        path.join(app.dataDir, 'servers', String(server.id), 'console.log'),
        'utf8',
      );
      expect(consoleLog).toContain(
        `launching ${paths.game}/srcds_run -game left4dead2 -norestart -strictportbind -port ${server.port} `,
      );

      // Its own cfg, with its own password, readable by the panel's user only; the rest are stock links.
      expect(ownFiles(paths.cfgDir)).toEqual(['l4d2web.cfg']);
      const cfg = readFileSync(paths.launchCfg, 'utf8');
      expect(cfg).toContain(`hostname "${server.hostname}"`);
      expect(cfg).toContain(`rcon_password "${server.password}"`);
      expect(statSync(paths.launchCfg).mode & 0o777).toBe(0o600);
      expect(readlinkSync(path.join(paths.cfgDir, 'server.cfg'))).toBe(
        path.join(app.installDir, 'left4dead2', 'cfg', 'server.cfg'),
      );
      // Its own (empty) addons folder: a real directory, not shared.
      expect(lstatSync(paths.addonsDir).isDirectory()).toBe(true);
      expect(readdirSync(paths.addonsDir)).toEqual([]);
      // srcds's log file landed in the instance.
      const logs = readdirSync(paths.logsDir);
      expect(logs).toEqual([expect.stringMatching(/^L\d{7}\.log$/)]);
      expect(readFileSync(path.join(paths.logsDir, logs[0] as string), 'utf8')).toContain('Log file started');
      // Nothing of the other server anywhere in this one.
      for (const file of ownFiles(paths.game))
        expect(readFileSync(path.join(paths.game, file), 'utf8'), file).not.toContain(other.password);

      // The simulator (srcds) refuses to exec the other's cfg by a path out of its own cfg/.
      const otherCfg = instancePaths(app.dataDir, other.id).launchCfg;
      const command = (text: string) => rcon(server.port, server.password, text);
      for (const name of [path.relative(paths.cfgDir, otherCfg), otherCfg])
        expect(await command(`exec ${name}`)).toBe(`exec ${name}: invalid path.\n`);
      expect(await command('hostname')).toMatch(new RegExp(`^"hostname" = "${server.hostname}"`));
    }
    // Both panels' consoles still work: no password was replaced.
    expect((await app.client.post(`/servers/${alice.id}/rcon`, { command: 'status' })).statusCode).toBe(200);
    expect((await bob.post(`/servers/${bobServer.id}/rcon`, { command: 'status' })).statusCode).toBe(200);

    await app.client.post(`/servers/${alice.id}/stop`);
    await bob.post(`/servers/${bobServer.id}/stop`);
    for (const { id } of servers) await waitForState(app, id, 'stopped');
    // Not one path, size or mtime of the install changed while they ran and stopped.
    expect(treeSnapshot(app.installDir)).toEqual(installBefore);
    for (const { id } of servers) {
      const log = readdirSync(instancePaths(app.dataDir, id).logsDir)[0] as string;
      expect(readFileSync(path.join(instancePaths(app.dataDir, id).logsDir, log), 'utf8')).toContain(
        'Log file closed',
      );
    }
  });
});

describe('instance directories: a build that fails', () => {
  it('refuses the launch: failed, last_error says why, no process', async () => {
    app = await startSupervisedApp();
    const { id } = await app.newServer();
    // A file where the instance's game root belongs.
    mkdirSync(path.join(app.dataDir, 'servers', String(id)), { recursive: true });
    writeFileSync(instancePaths(app.dataDir, id).game, 'not a directory\n');
    await app.client.post(`/servers/${id}/start`);
    const row = await waitForState(app, id, 'failed');
    expect(row.last_error).toMatch(/^could not build the instance directory: EEXIST/);
    expect(app.supervisor.pidOf(id)).toBeNull();
    expect(readFileSync(path.join(app.dataDir, 'servers', String(id), 'console.log'), 'utf8')).toContain(
      'not started: could not build the instance directory',
    );
  });
});
