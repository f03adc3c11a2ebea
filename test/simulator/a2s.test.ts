import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  queryA2s,
  type SimulatorHandle,
  startSimulator,
  stopAllSimulators,
  udpRequest,
} from '../helpers/simulator.js';

const PREFIX = [0xff, 0xff, 0xff, 0xff];
const INFO_REQUEST = Buffer.concat([
  Buffer.from([...PREFIX, 0x54]),
  Buffer.from('Source Engine Query\0', 'latin1'),
]);

describe('simulator A2S', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({
      cfg: ['hostname "Sim A2S Test"', 'sv_maxplayers 6', 'z_difficulty Hard', 'some_unknown_cvar 1'],
      args: ['+map', 'c5m1_waterfront'],
      env: { SIM_PLAYERS: '2' },
    });
  });
  afterAll(stopAllSimulators);

  it("answers A2S_INFO with the cfg, the map and the players (the panel's client)", async () => {
    const info = await queryA2s(sim.port);
    expect(info).toMatchObject({
      name: 'Sim A2S Test',
      map: 'c5m1_waterfront',
      numplayers: 2,
      maxplayers: 6,
      password: false,
      version: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
      raw: { appId: 550, folder: 'left4dead2', game: 'Left 4 Dead 2', protocol: 17 },
    });
  });

  it('answers A2S_PLAYER with name, score and time connected', async () => {
    const info = await queryA2s(sim.port);
    const players = info.players.map((p) => p.name).sort();
    expect(players).toEqual(['Coach', 'Ellis']);
    for (const player of info.players) {
      expect(player.score).toBe(0);
      expect(player.seconds).toBeGreaterThan(0);
    }
  });

  it('answers A2S_RULES', async () => {
    const info = await queryA2s(sim.port, { rules: true });
    expect(info.raw.rules).toMatchObject({ mp_gamemode: 'coop', z_difficulty: 'Hard', sv_password: '0' });
  });

  it('answers a plain A2S_INFO with S2C_CHALLENGE first, then the info when the challenge is appended', async () => {
    const challengeReply = await udpRequest(sim.port, INFO_REQUEST);
    expect([...challengeReply.subarray(0, 5)]).toEqual([...PREFIX, 0x41]);
    expect(challengeReply).toHaveLength(9);
    const info = await udpRequest(sim.port, Buffer.concat([INFO_REQUEST, challengeReply.subarray(5, 9)]));
    expect([...info.subarray(0, 5)]).toEqual([...PREFIX, 0x49]);
    expect(info.toString('utf8')).toContain('Sim A2S Test\0c5m1_waterfront\0left4dead2\0Left 4 Dead 2\0');
    // The extra data flag carries the game port first.
    const edf = info.indexOf(0, info.indexOf('2.2.')) + 1;
    expect(info.readUInt8(edf) & 0x80).toBe(0x80);
    expect(info.readUInt16LE(edf + 1)).toBe(sim.port);
  });

  it('answers A2S_PLAYER with -1 as challenge by a challenge', async () => {
    const reply = await udpRequest(sim.port, Buffer.from([...PREFIX, 0x55, ...PREFIX]));
    expect([...reply.subarray(0, 5)]).toEqual([...PREFIX, 0x41]);
  });

  it('does not answer the client port', async () => {
    await expect(udpRequest(sim.port - 10, INFO_REQUEST, 300)).rejects.toThrow(/no UDP reply/);
  });
});
