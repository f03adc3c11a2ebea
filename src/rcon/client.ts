/**
 * A Source RCON client on node:net: connect and authenticate, run commands one at a time, read
 * multi-packet replies whole. Every failure is an RconError whose message reads after `rcon: `.
 */
import { createConnection, type Socket } from 'node:net';
import {
  encodePacket,
  MAX_BODY,
  PacketFramer,
  type RawRconPacket,
  type RconPacket,
  SERVERDATA_AUTH,
  SERVERDATA_AUTH_RESPONSE,
  SERVERDATA_EXECCOMMAND,
  SERVERDATA_RESPONSE_VALUE,
} from './protocol.js';

export interface RconTarget {
  host: string;
  port: number;
  password: string;
}

export interface RconTimeouts {
  /** TCP connect and authentication together. */
  connectTimeoutMs: number;
  /** From sending a command to the end of its reply. */
  commandTimeoutMs: number;
}

/** Why an RCON exchange failed, worded for `rcon: <reason>`. */
export class RconError extends Error {}

/** A console reply larger than this is not one (cvarlist is about 300 KB): the connection is dropped. */
export const MAX_REPLY_BYTES = 4 * 1024 * 1024;

/** Takes the packets of one exchange; true once it is complete. May throw an RconError. */
type PacketReader = (packet: RawRconPacket) => boolean;

interface Waiter {
  read?: PacketReader;
  settle(error?: RconError): void;
}

function reasonOf(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection closed by the server';
    default:
      return error.message;
  }
}

/**
 * One authenticated connection. Its commands run one after another. Any failure (timeout,
 * malformed packet, a closed socket) ends the connection, and later commands fail with it.
 */
export class RconConnection {
  private readonly framer = new PacketFramer();
  private nextId = 0;
  private waiter: Waiter | undefined;
  private failure: RconError | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (this.waiter && !this.waiter.read) this.waiter.settle();
    });
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (error) => this.fail(new RconError(reasonOf(error))));
    socket.on('close', () => this.fail(new RconError('connection closed by the server')));
  }

  /** Connects and authenticates within `timeoutMs`. */
  static async open(target: RconTarget, timeoutMs: number): Promise<RconConnection> {
    const deadline = Date.now() + timeoutMs;
    const connection = new RconConnection(createConnection({ host: target.host, port: target.port }));
    try {
      await connection.wait(`connect timed out after ${timeoutMs} ms`, timeoutMs);
      await connection.authenticate(target.password, deadline - Date.now(), timeoutMs);
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  /** Runs a command and returns its whole reply, after the commands queued before it. */
  command(command: string, timeoutMs: number): Promise<string> {
    const run = this.queue.then(() => this.run(command, timeoutMs));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.fail(new RconError('connection closed'));
  }

  private async authenticate(password: string, leftMs: number, budgetMs: number): Promise<void> {
    const id = this.takeId();
    let accepted = false;
    // srcds answers an empty RESPONSE_VALUE first, then AUTH_RESPONSE with our id, or -1 when refused.
    const reply = this.wait(`authentication timed out after ${budgetMs} ms`, leftMs, (packet) => {
      if (packet.type !== SERVERDATA_AUTH_RESPONSE) return false;
      accepted = packet.id === id;
      return true;
    });
    this.send([{ id, type: SERVERDATA_AUTH, body: password }]);
    await reply;
    if (!accepted) throw new RconError('bad password');
  }

  /**
   * The terminator trick: an empty RESPONSE_VALUE after the command, which srcds mirrors once the
   * reply before it is out, so a reply of any number of packets is known to be complete.
   */
  private async run(command: string, timeoutMs: number): Promise<string> {
    if (command.includes('\0')) throw new RconError('a command cannot contain a NUL byte');
    if (Buffer.byteLength(command) > MAX_BODY - 10) throw new RconError('command too long');
    const id = this.takeId();
    const terminator = this.takeId();
    const parts: Buffer[] = [];
    let size = 0;
    const reply = this.wait(`command timed out after ${timeoutMs} ms`, timeoutMs, (packet) => {
      if (packet.id === terminator) return true;
      if (packet.id !== id || packet.type !== SERVERDATA_RESPONSE_VALUE) return false;
      size += packet.body.length;
      if (size > MAX_REPLY_BYTES) throw new RconError(`reply larger than ${MAX_REPLY_BYTES} bytes`);
      parts.push(packet.body);
      return false;
    });
    this.send([
      { id, type: SERVERDATA_EXECCOMMAND, body: command },
      { id: terminator, type: SERVERDATA_RESPONSE_VALUE, body: '' },
    ]);
    await reply;
    // Joined before decoding: srcds cuts long replies at 4096 bytes, even inside a UTF-8 character.
    return Buffer.concat(parts).toString('utf8');
  }

  private takeId(): number {
    // Positive int32s: -1 means a refused login.
    this.nextId = (this.nextId % 0x7fffffff) + 1;
    return this.nextId;
  }

  /** Resolves when the exchange completes (`read` says so, or the socket connects); fails after `timeoutMs`. */
  private wait(timeoutMessage: string, timeoutMs: number, read?: PacketReader): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new RconError(timeoutMessage)), Math.max(0, timeoutMs));
      this.waiter = {
        read,
        settle: (error) => {
          clearTimeout(timer);
          this.waiter = undefined;
          if (error) reject(error);
          else resolve();
        },
      };
    });
  }

  private send(packets: RconPacket[]): void {
    if (!this.failure) this.socket.write(Buffer.concat(packets.map(encodePacket)));
  }

  private receive(chunk: Buffer): void {
    if (this.failure) return;
    let packets: RawRconPacket[];
    try {
      packets = this.framer.pushRaw(chunk);
    } catch {
      this.fail(new RconError('malformed packet from the server'));
      return;
    }
    for (const packet of packets) {
      const waiter = this.waiter;
      // Nothing asked for it (srcds's extra packet after a terminator, say): ignored.
      if (!waiter?.read) continue;
      try {
        if (waiter.read(packet)) waiter.settle();
      } catch (error) {
        this.fail(error instanceof RconError ? error : new RconError(String(error)));
        return;
      }
    }
  }

  private fail(error: RconError): void {
    if (this.failure) return;
    this.failure = error;
    this.socket.destroy();
    this.waiter?.settle(error);
  }
}

/** One command on a fresh connection: connect and authenticate, run it, hang up. */
export async function rconCommand(
  target: RconTarget,
  command: string,
  timeouts: RconTimeouts,
): Promise<string> {
  const connection = await RconConnection.open(target, timeouts.connectTimeoutMs);
  try {
    return await connection.command(command, timeouts.commandTimeoutMs);
  } finally {
    connection.close();
  }
}
