import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMapVpk } from '../../src/vpk/writer.js';
import { smxBytes } from '../helpers/addon-files.js';
import {
  makeSimulatedInstall,
  rcon,
  type SimulatorHandle,
  startSimulator,
  stopAllSimulators,
} from '../helpers/simulator.js';

/** Writes files under the install's left4dead2/addons/ (path → content). */
async function addons(installDir: string, files: Record<string, Buffer | string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(installDir, 'left4dead2', 'addons', name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

describe('simulator addons', () => {
  let sim: SimulatorHandle;
  let plain: SimulatorHandle;
  const run = (command: string, on = sim) => rcon(on.port, on.rconPassword, command);

  beforeAll(async () => {
    const installDir = await makeSimulatedInstall();
    const campaign = buildMapVpk(['c20m1_custom', 'c20m2_custom']);
    await addons(installDir, {
      'campaign.vpk': campaign,
      'second.vpk': buildMapVpk(['c21m1_second'], 2),
      'broken.vpk': campaign.subarray(0, campaign.length - 5),
      // L4D2 on Linux ignores a VPK whose name has two dots.
      'two.dots.vpk': buildMapVpk(['c22m1_ignored']),
      'readme.txt': 'not an addon',
      'metamod.vdf': '"Plugin" {}',
      'metamod/sourcemod.vdf': '"Metamod Plugin" {}',
      'sourcemod/bin/sourcemod.2.l4d2.so': 'ELF',
      'sourcemod/plugins/admin-flatfile.smx': smxBytes('admin-flatfile'),
      'sourcemod/plugins/funcommands.smx': smxBytes('funcommands'),
      'sourcemod/plugins/broken.smx': 'not a plugin',
      'sourcemod/plugins/disabled/mapchooser.smx': smxBytes('mapchooser'),
    });
    sim = await startSimulator({ installDir, args: ['+map', 'c20m1_custom'] });
    plain = await startSimulator();
  });
  afterAll(stopAllSimulators);

  it('mounts each VPK of addons/ with a line, skips a corrupt one and ignores two-dot names', () => {
    const output = sim.output();
    expect(output).toContain('Mounting addon campaign.vpk\n');
    expect(output).toContain('Mounting addon second.vpk\n');
    expect(output).toContain('Skipping invalid addon broken.vpk\n');
    expect(output).not.toContain('two.dots.vpk');
    expect(output).not.toContain('readme.txt');
  });

  it('starts on an addon map given with +map and changes level to another', async () => {
    expect(await run('status')).toContain('map     : c20m1_custom at:');
    expect(await run('changelevel c21m1_second')).toBe('');
    expect(await run('status')).toContain('map     : c21m1_second at:');
    expect(await run('changelevel c22m1_ignored')).toBe('changelevel failed: c22m1_ignored not found\n');
    expect(await run('maps c2')).toContain('c20m1_custom\nc20m2_custom\nc21m1_second\n');
  });

  it('answers meta version, sm version, sm plugins list and sm_reloadadmins', async () => {
    expect(await run('meta version')).toMatch(
      /^ Metamod:Source Version Information\n {4}Metamod:Source version \S+\n/,
    );
    expect(await run('sm version')).toMatch(
      /^ SourceMod Version Information:\n {4}SourceMod Version: \d+\.\d+\.\d+\.\d+\n/,
    );
    expect(await run('sm plugins list')).toBe(
      '[SM] Listing 2 plugins:\n  01 "admin-flatfile.smx"\n  02 "funcommands.smx"\nErrors:\n' +
        '  broken.smx: Error: Invalid file format (corrupt plugin)\n',
    );
    expect(await run('sm_reloadadmins')).toBe('[SM] Admin cache has been refreshed.\n');
    expect(await run('meta list')).toMatch(/\[01\] SourceMod/);
  });

  it('knows neither addon maps nor SourceMod without them', async () => {
    expect(plain.output()).not.toContain('Mounting addon');
    expect(await run('changelevel c20m1_custom', plain)).toBe('changelevel failed: c20m1_custom not found\n');
    expect(await run('sm version', plain)).toBe('Unknown command "sm"\n');
    expect(await run('meta version', plain)).toBe('Unknown command "meta"\n');
    expect(await run('sm_reloadadmins', plain)).toBe('Unknown command "sm_reloadadmins"\n');
  });
});
