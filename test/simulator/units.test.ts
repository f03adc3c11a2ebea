import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Challenges, encodeInfo, parseRequest } from '../../src/simulator/a2s.js';
import { parseCfg, resolveCfgPath } from '../../src/simulator/cfg.js';
import { parseCommandLine } from '../../src/simulator/command-line.js';
import { loadFaults } from '../../src/simulator/faults.js';
import { GameState } from '../../src/simulator/state.js';

describe('parseCommandLine', () => {
  it('reads the panel command line and keeps + commands in order', () => {
    const line = parseCommandLine(
      ['--root', '/srv/l4d2', '-game', 'left4dead2', '-norestart', '-strictportbind', '-port', '27115']
        .concat(['+clientport', '27105', '-nohltv', '+exec', 'l4d2web.cfg', '+map', 'c2m1_highway'])
        .concat(['+hostname', 'My Server', '+sv_gravity', '-100']),
      '/cwd',
    );
    expect(line).toEqual({
      rootDir: '/srv/l4d2',
      game: 'left4dead2',
      port: 27115,
      clientPort: 27105,
      ip: '127.0.0.1',
      strictPortBind: true,
      commands: ['exec l4d2web.cfg', 'map c2m1_highway', 'hostname "My Server"', 'sv_gravity -100'],
    });
  });

  it('defaults like srcds, but to loopback, and rejects bad ports', () => {
    const line = parseCommandLine(['+ip', '127.0.0.2'], '/cwd');
    expect([line.rootDir, line.port, line.clientPort, line.ip, line.strictPortBind]).toEqual([
      '/cwd',
      27015,
      27005,
      '127.0.0.2',
      false,
    ]);
    expect(() => parseCommandLine(['-port', 'x'], '/')).toThrow(/invalid -port/);
  });
});

describe('cfg', () => {
  it('parses names, quoted values, comments and ; separators', () => {
    expect(
      parseCfg('hostname "A // B"  // trailing\n\n// only comment\nsv_maxplayers 8; sv_cheats 0\r\n'),
    ).toEqual(['hostname "A // B"', 'sv_maxplayers 8', 'sv_cheats 0']);
  });

  it('resolves exec names inside cfg/ only, refusing what srcds calls an invalid path', () => {
    expect(resolveCfgPath('/i/cfg', 'l4d2web')).toBe('/i/cfg/l4d2web.cfg');
    expect(resolveCfgPath('/i/cfg', 'sourcemod/sm_warmode_on.cfg')).toBe(
      '/i/cfg/sourcemod/sm_warmode_on.cfg',
    );
    for (const name of ['../../etc/passwd', 'a/../../b', '..', '/etc/x.cfg', 'c:x', 'a\\b', 'a\nb', ''])
      expect(resolveCfgPath('/i/cfg', name), name).toBeUndefined();
  });
});

describe('A2S encoding', () => {
  it('hands out a stable, non-sentinel challenge per address', () => {
    const challenges = new Challenges();
    const a = challenges.for('127.0.0.1');
    expect(challenges.for('127.0.0.1').equals(a)).toBe(true);
    expect(challenges.for('127.0.0.2').equals(a)).toBe(false);
    expect([0, -1]).not.toContain(a.readInt32LE());
    expect(challenges.reply(a).subarray(0, 5)).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x41]));
  });

  it('parses requests with and without challenge', () => {
    const info = Buffer.concat([
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x54]),
      Buffer.from('Source Engine Query\0'),
    ]);
    expect(parseRequest(info)).toEqual({ kind: 'info', challenge: undefined });
    expect(parseRequest(Buffer.concat([info, Buffer.from([1, 2, 3, 4])]))).toEqual({
      kind: 'info',
      challenge: Buffer.from([1, 2, 3, 4]),
    });
    expect(parseRequest(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x55, 0xff, 0xff, 0xff, 0xff]))?.kind).toBe(
      'players',
    );
    expect(parseRequest(Buffer.from('garbage'))).toBeUndefined();
  });

  it('reports max players from sv_maxplayers or the game mode', () => {
    const state = new GameState();
    expect(state.maxPlayers).toBe(4);
    state.setCvar('mp_gamemode', 'versus');
    expect(state.maxPlayers).toBe(8);
    state.setCvar('sv_maxplayers', '12');
    expect(state.maxPlayers).toBe(12);
    state.setCvar('sv_maxplayers', '99');
    expect(state.maxPlayers).toBe(32);
    expect(encodeInfo(state, 27015).subarray(4, 6)).toEqual(Buffer.from([0x49, 17]));
  });
});

describe('loadFaults', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('layers environment, fault file and the per-port entry', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'l4d2web-faults-'));
    dirs.push(dir);
    const env = { SIM_PLAYERS: '3', SIM_START_DELAY_MS: '100' };
    expect(await loadFaults(env, dir, 27015)).toMatchObject({ players: 3, startDelayMs: 100 });
    await writeFile(
      path.join(dir, 'sim-faults.json'),
      JSON.stringify({ startDelayMs: 200, 27015: { crashOnMapChange: true, players: 1 } }),
    );
    expect(await loadFaults(env, dir, 27015)).toEqual({
      startDelayMs: 200,
      crashAfterMs: undefined,
      hangAfterMs: undefined,
      hangIgnoresSigterm: false,
      crashOnMapChange: true,
      players: 1,
    });
    expect(await loadFaults(env, dir, 27115)).toMatchObject({ players: 3, crashOnMapChange: false });
    await expect(loadFaults({ SIM_CRASH_AFTER_MS: 'soon' }, dir, 1)).rejects.toThrow(/crashAfterMs/);
  });
});
