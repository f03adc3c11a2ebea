import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIMULATOR_BUNDLE } from '../../src/simulator/install.js';
import { logFileName, logLinePrefix } from '../../src/simulator/server-log.js';
import {
  makeSimulatedInstall,
  queryA2s,
  RawRcon,
  rcon,
  startSimulator,
  stopAllSimulators,
  writeServerCfg,
} from '../helpers/simulator.js';
import { treeSnapshot } from '../helpers/tree.js';

const roots: string[] = [];

afterAll(async () => {
  await stopAllSimulators();
  await Promise.all(roots.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A game root of its own whose srcds_run (and simulator) link to the install's, as in an instance directory. */
async function linkedRoot(installDir: string): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'l4d2web-root-'));
  roots.push(root);
  await mkdir(path.join(root, 'left4dead2', 'cfg'), { recursive: true });
  for (const entry of ['srcds_run', SIMULATOR_BUNDLE])
    await symlink(path.join(installDir, entry), path.join(root, entry));
  return root;
}

describe('simulated srcds_run', () => {
  it('runs from the directory it was called from, links not resolved: cfgs and the log file there', async () => {
    const installDir = await makeSimulatedInstall();
    const root = await linkedRoot(installDir);
    const installBefore = treeSnapshot(installDir);
    const sim = await startSimulator({ installDir: root, cfg: ['hostname "Linked root"'] });

    expect(readlinkSync(`/proc/${sim.pid}/cwd`)).toBe(root);
    const cmdline = readFileSync(`/proc/${sim.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline.slice(2, 4)).toEqual(['--root', root]);
    expect((await queryA2s(sim.port)).name).toBe('Linked root');

    // srcds's log file, in the root it runs from; the install is untouched.
    const logs = readdirSync(path.join(root, 'left4dead2', 'logs'));
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/^L\d{7}\.log$/);
    const log = readFileSync(path.join(root, 'left4dead2', 'logs', logs[0] as string), 'utf8');
    expect(log).toMatch(
      /^L \d\d\/\d\d\/\d{4} - \d\d:\d\d:\d\d: Log file started \(file "logs\/L\d{7}\.log"\)/,
    );
    expect(log).toContain('Started map "c1m1_hotel"');
    expect(existsSync(path.join(installDir, 'left4dead2', 'logs'))).toBe(false);
    expect(treeSnapshot(installDir)).toEqual(installBefore);
  });
});

describe('simulated exec', () => {
  it("refuses .. and absolute paths, so a server cannot run another server's cfg", async () => {
    const installDir = await makeSimulatedInstall();
    const [mine, theirs] = [await linkedRoot(installDir), await linkedRoot(installDir)];
    const secret = await writeServerCfg(theirs, 2, ['hostname "Their server"', 'rcon_password "theirs"']);
    await writeServerCfg(mine, 3, ['hostname "Mine again"']);
    const sim = await startSimulator({ installDir: mine, cfg: ['hostname "Mine"'], serverId: 1 });
    const theirCfg = path.join(theirs, 'left4dead2', 'cfg', secret);
    const command = (text: string) => rcon(sim.port, sim.rconPassword, text);
    for (const name of [
      path.relative(path.join(mine, 'left4dead2', 'cfg'), theirCfg),
      `../../../${path.basename(theirs)}/left4dead2/cfg/${secret}`,
      theirCfg,
    ]) {
      expect(await command(`exec ${name}`)).toBe(`exec ${name}: invalid path.\n`);
    }
    expect(await command('hostname')).toMatch(/^"hostname" = "Mine"/);
    // Its own cfgs still run, and the password it was started with still holds.
    expect(await command('exec sim-3')).toBe('');
    expect(await command('hostname')).toMatch(/^"hostname" = "Mine again"/);
    const again = await RawRcon.connect(sim.port);
    try {
      expect(await again.auth('theirs')).toBe(false);
    } finally {
      again.close();
    }
  });
});

describe('srcds log file names', () => {
  it('are L, month, day and a 3-digit counter; lines start with the local date and time', () => {
    const date = new Date(2024, 3, 9, 7, 5, 3);
    expect(logFileName(date, 0)).toBe('L0409000.log');
    expect(logFileName(date, 12)).toBe('L0409012.log');
    expect(logLinePrefix(date)).toBe('L 04/09/2024 - 07:05:03: ');
  });
});
