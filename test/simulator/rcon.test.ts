import RconModule from 'rcon-srcds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  queryA2s,
  RawRcon,
  rcon,
  type SimulatorHandle,
  startSimulator,
  stopAllSimulators,
} from '../helpers/simulator.js';

// rcon-srcds is CommonJS with `exports.default`; depending on the loader the class is one level down.
type RconClient = InstanceType<typeof RconModule.default>;
const Rcon: typeof RconModule.default =
  (RconModule as unknown as { default?: typeof RconModule.default }).default ??
  (RconModule as unknown as typeof RconModule.default);

async function rconSrcds(sim: SimulatorHandle): Promise<RconClient> {
  const client = new Rcon({ host: '127.0.0.1', port: sim.port, timeout: 3000 });
  await client.authenticate(sim.rconPassword);
  return client;
}

/** sim_longreply N answers at least N bytes of lines numbered 1, 2, 3...: nothing lost, nothing doubled. */
function expectNumberedLines(text: string, bytes: number): void {
  expect(text.length).toBeGreaterThanOrEqual(bytes);
  const numbers = text
    .trimEnd()
    .split('\n')
    .map((line) => Number(/^sim_longreply line (\d+) /.exec(line)?.[1]));
  expect(numbers).toEqual(numbers.map((_, i) => i + 1));
}

describe('simulator RCON', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({
      cfg: ['hostname "Sim RCON Test"', 'sv_maxplayers 8'],
      env: { SIM_PLAYERS: '3' },
    });
  });
  afterAll(stopAllSimulators);

  it('authenticates with the cfg password and answers status in srcds format (rcon-srcds)', async () => {
    const client = await rconSrcds(sim);
    try {
      const status = String(await client.execute('status'));
      expect(status).toContain('hostname: Sim RCON Test\n');
      expect(status).toMatch(/^version : \d+\.\d+\.\d+\.\d+ /m);
      expect(status).toContain(`udp/ip  : 127.0.0.1:${sim.port}\n`);
      expect(status).toContain('map     : c1m1_hotel at: 0 x, 0 y, 0 z\n');
      expect(status).toContain('players : 3 humans, 0 bots (8 max)\n');
      expect(status).toContain('# userid name uniqueid connected ping loss state rate adr\n');
      expect(status).toMatch(/^#\s+\d+ "Coach" STEAM_1:\d:\d+ \d\d:\d\d \d+ 0 active/m);
    } finally {
      await client.disconnect();
    }
    await sim.waitForOutput(/rcon from "127\.0\.0\.1:\d+": command "status"/);
  });

  it('refuses a bad password with an empty RESPONSE_VALUE, then AUTH_RESPONSE id -1', async () => {
    const client = await RawRcon.connect(sim.port);
    try {
      client.send({ id: 5, type: 3, body: 'wrong' });
      expect(await client.read()).toEqual({ id: 5, type: 0, body: '' });
      expect(await client.read()).toEqual({ id: -1, type: 2, body: '' });
    } finally {
      client.close();
    }
    await expect(new Rcon({ port: sim.port, timeout: 3000 }).authenticate('wrong')).rejects.toThrow(
      /authenticate/,
    );
  });

  it('drops a connection that runs a command before authenticating', async () => {
    const client = await RawRcon.connect(sim.port);
    client.send({ id: 1, type: 2, body: 'status' });
    expect(await client.read()).toBeUndefined();
  });

  it('splits a long reply into 4096-byte packets ended by the mirrored terminator', async () => {
    const client = await RawRcon.connect(sim.port);
    try {
      expect(await client.auth(sim.rconPassword)).toBe(true);
      const packets = await client.commandPackets('sim_longreply 10000');
      expect(packets.length).toBeGreaterThanOrEqual(3);
      expect(packets.slice(0, -1).every((body) => Buffer.byteLength(body) === 4096)).toBe(true);
      expectNumberedLines(packets.join(''), 10000);
      // The connection still works after a multi-packet reply.
      expect(await client.command('echo after')).toBe('after\n');
    } finally {
      client.close();
    }
  });

  it('serves a multi-packet reply to rcon-srcds too', async () => {
    const client = await rconSrcds(sim);
    try {
      const text = String(await client.execute('sim_longreply 9000'));
      expectNumberedLines(text, 9000);
    } finally {
      await client.disconnect();
    }
  });

  it('changes level, visible over A2S; refuses unknown maps', async () => {
    expect(await rcon(sim.port, sim.rconPassword, 'changelevel c2m1_highway')).toBe('');
    expect((await queryA2s(sim.port)).map).toBe('c2m1_highway');
    expect(await rcon(sim.port, sim.rconPassword, 'map c3m1_plankcountry')).toBe('');
    expect((await queryA2s(sim.port)).map).toBe('c3m1_plankcountry');
    expect(await rcon(sim.port, sim.rconPassword, 'changelevel c99m1_nowhere')).toBe(
      'changelevel failed: c99m1_nowhere not found\n',
    );
    expect((await queryA2s(sim.port)).map).toBe('c3m1_plankcountry');
  });

  it('adds and kicks players, by name and by userid', async () => {
    expect(await rcon(sim.port, sim.rconPassword, 'sim_addplayer Zoey 12')).toMatch(
      /Added simulated player "Zoey"/,
    );
    expect((await queryA2s(sim.port)).numplayers).toBe(4);
    expect(await rcon(sim.port, sim.rconPassword, 'kick Zoey')).toBe(
      'Dropped Zoey from server (Kicked by Console)\n',
    );
    const status = await rcon(sim.port, sim.rconPassword, 'status');
    const ellisUserid = /^#\s+(\d+) "Ellis"/m.exec(status)?.[1];
    expect(await rcon(sim.port, sim.rconPassword, `kickid ${ellisUserid}`)).toMatch(/Dropped Ellis/);
    const info = await queryA2s(sim.port);
    expect(info.players.map((p) => p.name).sort()).toEqual(['Coach', 'Nick']);
    expect(await rcon(sim.port, sim.rconPassword, 'kick Nobody')).toMatch(/Can't kick "Nobody"/);
  });

  it('says, gets and sets hostname and sv_maxplayers, and rejects unknown commands', async () => {
    expect(await rcon(sim.port, sim.rconPassword, 'say hello there')).toBe('');
    await sim.waitForOutput(/^Console: hello there$/m);
    expect(await rcon(sim.port, sim.rconPassword, 'hostname')).toMatch(/^"hostname" = "Sim RCON Test"/);
    await rcon(sim.port, sim.rconPassword, 'hostname "Renamed Server"; sv_maxplayers 10');
    const info = await queryA2s(sim.port);
    expect([info.name, info.maxplayers]).toEqual(['Renamed Server', 10]);
    expect(await rcon(sim.port, sim.rconPassword, 'sv_maxplayers')).toMatch(/^"sv_maxplayers" = "10"/);
    expect(await rcon(sim.port, sim.rconPassword, 'xyz')).toBe('Unknown command "xyz"\n');
    expect(await rcon(sim.port, sim.rconPassword, 'rcon_password')).not.toContain(sim.rconPassword);
  });
});

describe('simulator quit', () => {
  afterAll(stopAllSimulators);

  it('replies to quit, then exits with code 0', async () => {
    const sim = await startSimulator();
    const client = await rconSrcds(sim);
    expect(await client.execute('quit')).toBe('');
    expect(await sim.exited).toEqual({ code: 0, signal: null });
    expect(sim.output()).toMatch(/shutting down/i);
  });

  it('exits with code 0 on SIGTERM and SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const sim = await startSimulator();
      sim.child.kill(signal);
      expect(await sim.exited).toEqual({ code: 0, signal: null });
      expect(sim.output()).toContain(`Server shutting down (${signal}).`);
    }
  });
});
