import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSimulatedInstall, layOutSimulatedInstall } from '../../src/simulator/install.js';
import { makeSimulatedInstall, startSimulator, stopAllSimulators } from '../helpers/simulator.js';

afterAll(stopAllSimulators);

describe('layOutSimulatedInstall', () => {
  it('lays out srcds_run, the cfg tree and the marker, idempotently, keeping server.cfg', async () => {
    const dir = await makeSimulatedInstall();
    const serverCfg = path.join(dir, 'left4dead2', 'cfg', 'server.cfg');
    await writeFile(serverCfg, 'sv_cheats 0\n');
    await layOutSimulatedInstall(dir);
    expect((await stat(path.join(dir, 'srcds_run'))).mode & 0o111).toBe(0o111);
    expect((await stat(path.join(dir, 'left4dead2', 'cfg'))).isDirectory()).toBe(true);
    expect(await readFile(serverCfg, 'utf8')).toBe('sv_cheats 0\n');
    expect(isSimulatedInstall(dir)).toBe(true);
    expect(await readFile(path.join(dir, 'srcds_run'), 'utf8')).toMatch(/^#!\/bin\/sh\n[\s\S]*\nexec /);
  });

  it('makes srcds_run exec the simulator, so its pid is the simulator process', async () => {
    const sim = await startSimulator();
    const cmdline = (await readFile(`/proc/${sim.pid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline[0]).toBe(process.execPath);
    expect(cmdline[1]).toMatch(/dist\/simulator\/main\.js$/);
    expect(cmdline.slice(2, 4)).toEqual(['--root', sim.installDir]);
  });
});
