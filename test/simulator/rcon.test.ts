import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RconConnection } from '../../src/rcon/client.js';
import { MAX_BODY } from '../../src/rcon/protocol.js';
import {
  LOOPBACK,
  queryA2s,
  RawRcon,
  rcon,
  type SimulatorHandle,
  startSimulator,
  stopAllSimulators,
} from '../helpers/simulator.js';

const openConnection = (sim: SimulatorHandle, password = sim.rconPassword) =>
  RconConnection.open({ host: LOOPBACK, port: sim.port, password }, 3_000);

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

  it('authenticates with the cfg password and answers status in srcds format', async () => {
    const connection = await openConnection(sim);
    try {
      const status = await connection.command('status', 3_000);
      expect(status).toContain('hostname: Sim RCON Test\n');
      expect(status).toMatch(/^version : \d+\.\d+\.\d+\.\d+ /m);
      expect(status).toContain(`udp/ip  : 127.0.0.1:${sim.port}\n`);
      expect(status).toContain('map     : c1m1_hotel at: 0 x, 0 y, 0 z\n');
      expect(status).toContain('players : 3 humans, 0 bots (8 max)\n');
      expect(status).toContain('# userid name uniqueid connected ping loss state rate adr\n');
      expect(status).toMatch(/^#\s+\d+ "Coach" STEAM_1:\d:\d+ \d\d:\d\d \d+ 0 active/m);
    } finally {
      connection.close();
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
    await expect(openConnection(sim, 'wrong')).rejects.toThrow(/^bad password$/);
    await expect(rcon(sim.port, 'wrong', 'status')).rejects.toThrow(/^bad password$/);
  });

  it('drops a connection that runs a command before authenticating', async () => {
    const client = await RawRcon.connect(sim.port);
    client.send({ id: 1, type: 2, body: 'status' });
    expect(await client.read()).toBeUndefined();
  });

  it('splits a long reply into 4096-byte packets, then mirrors the terminator and its trailer', async () => {
    const client = await RawRcon.connect(sim.port);
    try {
      expect(await client.auth(sim.rconPassword)).toBe(true);
      client.send({ id: 10, type: 2, body: 'sim_longreply 10000' });
      client.send({ id: 11, type: 0, body: '' });
      const bodies: string[] = [];
      let packet = await client.read();
      while (packet?.id === 10 && packet.type === 0) {
        bodies.push(packet.body);
        packet = await client.read();
      }
      expect(bodies.length).toBeGreaterThanOrEqual(3);
      expect(bodies.slice(0, -1).every((body) => Buffer.byteLength(body) === MAX_BODY)).toBe(true);
      expectNumberedLines(bodies.join(''), 10000);
      // The mirrored terminator, then srcds's trailer (body bytes 00 01 00 00, read as text: '').
      expect(packet).toEqual({ id: 11, type: 0, body: '' });
      expect(await client.read()).toEqual({ id: 11, type: 0, body: '' });
    } finally {
      client.close();
    }
  });

  it("reads multi-packet replies whole through the panel's client, several on one connection", async () => {
    const connection = await openConnection(sim);
    try {
      expectNumberedLines(await connection.command('sim_longreply 9000', 3_000), 9000);
      // The trailer after the first terminator is not taken for part of the next reply.
      expect(await connection.command('echo after', 3_000)).toBe('after\n');
      const [long, short] = await Promise.all([
        connection.command('sim_longreply 20000', 3_000),
        connection.command('echo queued', 3_000),
      ]);
      expectNumberedLines(long, 20000);
      expect(short).toBe('queued\n');
    } finally {
      connection.close();
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

  it('replies to quit, closes the connection before the terminator, then exits with code 0', async () => {
    const sim = await startSimulator();
    const client = await RawRcon.connect(sim.port);
    expect(await client.auth(sim.rconPassword)).toBe(true);
    client.send({ id: 20, type: 2, body: 'quit' });
    client.send({ id: 21, type: 0, body: '' });
    expect(await client.read()).toEqual({ id: 20, type: 0, body: '' });
    expect(await client.read()).toBeUndefined();
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
