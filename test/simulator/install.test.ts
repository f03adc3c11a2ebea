import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUNDLED_FOLDERS,
  isSimulatedInstall,
  layOutSimulatedInstall,
  srcdsRunScript,
} from '../../src/simulator/install.js';
import { makeSimulatedInstall, startSimulator, stopAllSimulators } from '../helpers/simulator.js';

afterAll(stopAllSimulators);

/** A simulated install whose srcds_run names another Node.js than this one. */
async function installWithNode(nodePath: string): Promise<string> {
  const dir = await makeSimulatedInstall();
  await writeFile(path.join(dir, 'srcds_run'), srcdsRunScript(nodePath), { mode: 0o755 });
  return dir;
}

describe('layOutSimulatedInstall', () => {
  it("copies every folder the simulator imports: the install's copy runs on its own (in a container too)", async () => {
    const src = path.resolve(import.meta.dirname, '..', '..', 'src');
    for (const folder of BUNDLED_FOLDERS) {
      for (const file of (await readdir(path.join(src, folder))).filter((name) => name.endsWith('.ts'))) {
        const text = await readFile(path.join(src, folder, file), 'utf8');
        for (const [, target] of text.matchAll(/from '\.\.\/([^/']+)\//g))
          expect(BUNDLED_FOLDERS, `${folder}/${file} imports ../${target}`).toContain(target);
      }
    }
  });

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

  it('carries its own copy of the simulator, so a container that sees only the install runs it', async () => {
    const dir = await makeSimulatedInstall();
    const bundle = path.join(dir, 'l4d2web-simulator');
    expect(JSON.parse(await readFile(path.join(bundle, 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    expect((await stat(path.join(bundle, 'simulator', 'main.js'))).isFile()).toBe(true);
    expect((await stat(path.join(bundle, 'rcon', 'protocol.js'))).isFile()).toBe(true);
    // Laid out again (a newer panel), the copy is replaced whole.
    await writeFile(path.join(bundle, 'simulator', 'stale.js'), '');
    await layOutSimulatedInstall(dir);
    await expect(stat(path.join(bundle, 'simulator', 'stale.js'))).rejects.toThrow(/ENOENT/);
  });

  it("falls back to the node on PATH when the laying-out panel's Node.js is not there (an image)", async () => {
    const sim = await startSimulator({ installDir: await installWithNode('/nonexistent/bin/node') });
    const cmdline = (await readFile(`/proc/${sim.pid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline[0]).toBe('node');
  });

  it('makes srcds_run exec the simulator, so its pid is the simulator process', async () => {
    const sim = await startSimulator();
    const cmdline = (await readFile(`/proc/${sim.pid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline[0]).toBe(process.execPath);
    expect(cmdline[1]).toBe(path.join(sim.installDir, 'l4d2web-simulator', 'simulator', 'main.js'));
    expect(cmdline.slice(2, 4)).toEqual(['--root', sim.installDir]);
  });
});
