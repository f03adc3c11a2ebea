import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { clientPortFor } from '../launch/plan.js';

/** srcds binds every address unless told otherwise; a port taken on any of them is taken. */
const ANY = '0.0.0.0';

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ port, address: ANY, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: ANY, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The first of the server's ports (game UDP+TCP, client UDP) another program holds, as "27015/udp"; null when all are free. */
export async function busyPort(gamePort: number): Promise<string | null> {
  const client = clientPortFor(gamePort);
  if (!(await udpFree(gamePort))) return `${gamePort}/udp`;
  if (!(await tcpFree(gamePort))) return `${gamePort}/tcp`;
  if (!(await udpFree(client))) return `${client}/udp`;
  return null;
}

/** The port srcds (or the simulator) said it could not bind, from its console output. */
export function bindFailureIn(output: string, gamePort: number): string | null {
  const simulated = /Failed to bind to port (\d+) \((UDP|TCP)\)/.exec(output);
  if (simulated) return `${simulated[1]}/${simulated[2]?.toLowerCase()}`;
  const srcds = /(UDP|TCP)_OpenSocket: unable to bind socket(?: on port (\d+))?/.exec(output);
  if (srcds) return `${srcds[2] ?? gamePort}/${srcds[1]?.toLowerCase()}`;
  if (/Couldn't allocate any server IP port/i.test(output)) return `${gamePort}/udp`;
  return null;
}
