import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freeGamePort, LOOPBACK, queryA2s, startSimulator, stopAllSimulators } from '../helpers/simulator.js';

const blockers: Array<Socket | Server> = [];

function holdUdp(port: number): Promise<void> {
  const socket = createSocket('udp4');
  blockers.push(socket);
  return new Promise((resolve) => socket.bind(port, LOOPBACK, resolve));
}

function holdTcp(port: number): Promise<void> {
  const server = createServer();
  blockers.push(server);
  return new Promise((resolve) => server.listen(port, LOOPBACK, resolve));
}

afterEach(async () => {
  for (const blocker of blockers.splice(0)) blocker.close();
  await stopAllSimulators();
});

describe('simulator ports', () => {
  it('runs two servers side by side, each with its own state', async () => {
    const [a, b] = await Promise.all([
      startSimulator({ cfg: ['hostname "Server A"'] }),
      startSimulator({ cfg: ['hostname "Server B"'], args: ['+map', 'c8m1_apartment'] }),
    ]);
    const [infoA, infoB] = await Promise.all([queryA2s(a.port), queryA2s(b.port)]);
    expect([infoA.name, infoA.map]).toEqual(['Server A', 'c1m1_hotel']);
    expect([infoB.name, infoB.map]).toEqual(['Server B', 'c8m1_apartment']);
  });

  it('exits 1 naming port and protocol when the game port is taken (-strictportbind)', async () => {
    const running = await startSimulator();
    const clash = await startSimulator({ port: running.port, waitForA2s: false });
    expect(await clash.exited).toEqual({ code: 1, signal: null });
    expect(clash.output()).toContain('WARNING: UDP_OpenSocket: unable to bind socket');
    expect(clash.output()).toContain(`Failed to bind to port ${running.port} (UDP)`);
    expect((await queryA2s(running.port)).name).toBe('Left 4 Dead 2');
  });

  it('names TCP when only the game port TCP is taken', async () => {
    const port = await freeGamePort();
    await holdTcp(port);
    const sim = await startSimulator({ port, waitForA2s: false });
    expect((await sim.exited).code).toBe(1);
    expect(sim.output()).toContain(`Failed to bind to port ${port} (TCP)`);
  });

  it('names the client port when it is taken', async () => {
    const port = await freeGamePort();
    await holdUdp(port - 10);
    const sim = await startSimulator({ port, waitForA2s: false });
    expect((await sim.exited).code).toBe(1);
    expect(sim.output()).toContain(`Failed to bind to port ${port - 10} (UDP)`);
  });
});
