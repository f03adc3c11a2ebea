import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import type { LogLine } from './console.js';

export interface BoundSockets {
  gamePort: number;
  clientPort: number;
  udp: Socket;
  tcp: Server;
  clientUdp: Socket;
}

/** Thrown when -strictportbind forbids moving to another port. */
export class PortBindError extends Error {
  constructor(
    readonly port: number,
    readonly protocol: 'UDP' | 'TCP',
    cause: unknown,
  ) {
    super(`Failed to bind to port ${port} (${protocol}): ${(cause as Error).message ?? String(cause)}`);
  }
}

/** srcds moves to the next port up to this many times when -strictportbind is absent. */
const PORT_TRIES = 10;

function bindUdp(ip: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind(port, ip, () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}

function bindTcp(ip: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: ip, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve(server);
    });
  });
}

async function bindGamePort(ip: string, port: number): Promise<{ udp: Socket; tcp: Server }> {
  let udp: Socket;
  try {
    udp = await bindUdp(ip, port);
  } catch (error) {
    throw new PortBindError(port, 'UDP', error);
  }
  try {
    return { udp, tcp: await bindTcp(ip, port) };
  } catch (error) {
    udp.close();
    throw new PortBindError(port, 'TCP', error);
  }
}

async function bindClientPort(ip: string, port: number): Promise<Socket> {
  try {
    return await bindUdp(ip, port);
  } catch (error) {
    throw new PortBindError(port, 'UDP', error);
  }
}

async function withRetries<T>(
  start: number,
  strict: boolean,
  log: LogLine,
  bind: (port: number) => Promise<T>,
): Promise<[T, number]> {
  for (let port = start; ; port++) {
    try {
      return [await bind(port), port];
    } catch (error) {
      if (!(error instanceof PortBindError)) throw error;
      log(`WARNING: ${error.protocol}_OpenSocket: unable to bind socket on port ${error.port}`);
      if (strict || port - start + 1 >= PORT_TRIES || port >= 65535) throw error;
    }
  }
}

/** Binds UDP+TCP on the game port and UDP on the client port, like srcds (which exits under -strictportbind). */
export async function bindPorts(
  ip: string,
  gamePort: number,
  clientPort: number,
  strict: boolean,
  log: LogLine,
): Promise<BoundSockets> {
  const [game, boundGamePort] = await withRetries(gamePort, strict, log, (port) => bindGamePort(ip, port));
  try {
    const [clientUdp, boundClientPort] = await withRetries(clientPort, strict, log, (port) =>
      bindClientPort(ip, port),
    );
    return { gamePort: boundGamePort, clientPort: boundClientPort, ...game, clientUdp };
  } catch (error) {
    game.udp.close();
    game.tcp.close();
    throw error;
  }
}
