import type { Server, Socket } from 'node:net';
import {
  encodePacket,
  PacketFramer,
  type RconPacket,
  SERVERDATA_AUTH,
  SERVERDATA_AUTH_RESPONSE,
  SERVERDATA_EXECCOMMAND,
  SERVERDATA_RESPONSE_VALUE,
  splitBody,
} from '../rcon/protocol.js';
import type { CommandRunner } from './commands.js';
import type { LogLine } from './console.js';

export interface RconHost {
  readonly log: LogLine;
  readonly runner: CommandRunner;
  rconPassword(): string;
  /** Resolves when the server answers again; never, once it hangs. */
  whenResponsive(): Promise<void>;
  /** Runs what a command asked for after its reply went out (quit, crash, hang). */
  afterReply(): void;
}

/** What srcds sends after the mirrored terminator: one more RESPONSE_VALUE with bytes 00 01 00 00. */
const TERMINATOR_TRAILER = '\u0000\u0001\u0000\u0000';

class RconConnection {
  private readonly framer = new PacketFramer();
  private readonly peer: string;
  private authenticated = false;
  private work: Promise<void> = Promise.resolve();

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
      await this.send([
        { id: packet.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
        { id: packet.id, type: SERVERDATA_RESPONSE_VALUE, body: TERMINATOR_TRAILER },
      ]);
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

  /** Back to back, as srcds writes them: TCP may deliver them merged, and clients must cope. */
  private async send(packets: RconPacket[]): Promise<void> {
    if (this.socket.destroyed) return;
    const bytes = Buffer.concat(packets.map(encodePacket));
    await new Promise<void>((resolve) => this.socket.write(bytes, () => resolve()));
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
