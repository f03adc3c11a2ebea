import type { Server, Socket } from 'node:net';
import type { CommandRunner } from './commands.js';
import type { LogLine } from './console.js';
import {
  encodePacket,
  PacketFramer,
  type RconPacket,
  SERVERDATA_AUTH,
  SERVERDATA_AUTH_RESPONSE,
  SERVERDATA_EXECCOMMAND,
  SERVERDATA_RESPONSE_VALUE,
  splitBody,
} from './rcon-protocol.js';

export interface RconHost {
  readonly log: LogLine;
  readonly runner: CommandRunner;
  rconPassword(): string;
  /** Resolves when the server answers again; never, once it hangs. */
  whenResponsive(): Promise<void>;
  /** Runs what a command asked for after its reply went out (quit, crash, hang). */
  afterReply(): void;
}

/**
 * Gap between two packets on one connection. Some clients (rcon-srcds among them) decode one packet
 * per socket read, so packets written back to back would be merged and lost; pacing keeps them apart.
 */
export const PACKET_GAP_MS = 8;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class RconConnection {
  private readonly framer = new PacketFramer();
  private readonly peer: string;
  private authenticated = false;
  private work: Promise<void> = Promise.resolve();
  private lastWrite = 0;

  constructor(
    private readonly socket: Socket,
    private readonly host: RconHost,
  ) {
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
  }

  private receive(chunk: Buffer): void {
    let packets: RconPacket[];
    try {
      packets = this.framer.push(chunk);
    } catch {
      this.socket.destroy();
      return;
    }
    for (const packet of packets) {
      this.work = this.work
        .then(() => this.host.whenResponsive())
        .then(() => this.handle(packet))
        .catch(() => {
          this.socket.destroy();
        });
    }
  }

  private async handle(packet: RconPacket): Promise<void> {
    if (this.socket.destroyed) return;
    if (packet.type === SERVERDATA_AUTH) return this.authenticate(packet);
    // srcds drops connections that send anything before authenticating.
    if (!this.authenticated) {
      this.socket.destroy();
      return;
    }
    if (packet.type === SERVERDATA_EXECCOMMAND) {
      this.host.log(`rcon from "${this.peer}": command "${packet.body}"`);
      const output = this.host.runner.run(packet.body, 'rcon');
      await this.send(
        splitBody(output).map((body) => ({ id: packet.id, type: SERVERDATA_RESPONSE_VALUE, body })),
      );
      this.host.afterReply();
    } else if (packet.type === SERVERDATA_RESPONSE_VALUE) {
      // Mirrored back, after the reply before it, so clients know a multi-packet reply ended.
      await this.send([{ id: packet.id, type: SERVERDATA_RESPONSE_VALUE, body: '' }]);
    }
  }

  private async authenticate(packet: RconPacket): Promise<void> {
    const password = this.host.rconPassword();
    this.authenticated = password !== '' && packet.body === password;
    this.host.log(
      this.authenticated
        ? `rcon from "${this.peer}": authenticated`
        : `rcon from "${this.peer}": Bad Password`,
    );
    // Like srcds: an empty RESPONSE_VALUE first, then the AUTH_RESPONSE (id -1 when refused).
    await this.send([
      { id: packet.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
      { id: this.authenticated ? packet.id : -1, type: SERVERDATA_AUTH_RESPONSE, body: '' },
    ]);
  }

  private async send(packets: RconPacket[]): Promise<void> {
    for (const packet of packets) {
      const wait = this.lastWrite + PACKET_GAP_MS - Date.now();
      if (wait > 0) await delay(wait);
      if (this.socket.destroyed) return;
      await new Promise<void>((resolve) => this.socket.write(encodePacket(packet), () => resolve()));
      this.lastWrite = Date.now();
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Serves Source RCON on the game port's TCP listener. */
export function serveRcon(server: Server, host: RconHost): { closeAll(): void } {
  const connections = new Set<RconConnection>();
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
    const connection = new RconConnection(socket, host);
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
  });
  return {
    closeAll() {
      for (const connection of connections) connection.close();
      server.close();
    },
  };
}
