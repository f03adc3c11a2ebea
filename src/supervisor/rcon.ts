import { createConnection, type Socket } from 'node:net';
import rconSrcds from 'rcon-srcds';

// rcon-srcds is CommonJS compiled from ESM: Node hands its class over as the default export's `default`,
// bundlers (vitest) as the default export itself.
type RconClass = typeof rconSrcds.default;
const RCON: RconClass =
  typeof rconSrcds === 'function' ? (rconSrcds as unknown as RconClass) : rconSrcds.default;

export interface RconTarget {
  host: string;
  port: number;
  password: string;
}

export interface RconTimeouts {
  connectTimeoutMs: number;
  commandTimeoutMs: number;
}

/** Why an RCON command failed, worded for `rcon: <reason>`. */
export class RconError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RconError(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function reasonOf(error: unknown): string {
  if (error instanceof RconError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection closed by the server';
  const message = (error as Error).message ?? String(error);
  if (message === 'Unable to authenticate') return 'authentication failed';
  return message;
}

/**
 * Connects for rcon-srcds, re-cutting the TCP stream at packet boundaries: TCP may merge two packets
 * (srcds sends an empty RESPONSE_VALUE and the AUTH_RESPONSE back to back) or split one.
 */
function connectFramed(client: InstanceType<RconClass>, target: RconTarget): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection({ host: target.host, port: target.port }, () => {
      socket.removeListener('error', reject);
      client.connected = true;
      resolve();
    });
    socket.once('error', reject);
    const emit = socket.emit.bind(socket);
    let pending = Buffer.alloc(0);
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event !== 'data') return emit(event, ...args);
      pending = Buffer.concat([pending, args[0] as Buffer]);
      while (pending.length >= 4) {
        const size = pending.readInt32LE(0) + 4;
        if (size < 14 || size > 4110) {
          socket.destroy(new RconError('malformed packet from the server'));
          return true;
        }
        if (pending.length < size) break;
        const packet = pending.subarray(0, size);
        pending = pending.subarray(size);
        emit('data', packet);
      }
      return true;
    }) as typeof socket.emit;
    client.connection = socket;
  });
}

/** One command on a fresh connection: connect and authenticate, run it, hang up. */
async function runOnce(target: RconTarget, command: string, timeouts: RconTimeouts): Promise<string> {
  const client = new RCON({ host: target.host, port: target.port, timeout: timeouts.commandTimeoutMs });
  // rcon-srcds decodes one packet per socket read: give it whole packets, one per 'data' event.
  (client as unknown as { connect(): Promise<void> }).connect = () => connectFramed(client, target);
  try {
    await withTimeout(client.authenticate(target.password), timeouts.connectTimeoutMs, 'connect');
    const output = await withTimeout(client.execute(command), timeouts.commandTimeoutMs, 'command');
    return typeof output === 'string' ? output : '';
  } catch (error) {
    throw new RconError(reasonOf(error));
  } finally {
    client.connection?.removeAllListeners('data');
    client.connection?.on('error', () => undefined);
    client.connection?.destroy();
  }
}

/** RCON with connect/command timeouts and at most one command at a time per server. */
export class RconClient {
  private readonly queues = new Map<number, Promise<unknown>>();

  constructor(private readonly timeouts: RconTimeouts) {}

  command(serverId: number, target: RconTarget, command: string, timeouts = this.timeouts): Promise<string> {
    const previous = this.queues.get(serverId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => runOnce(target, command, timeouts));
    const tail = run.catch(() => undefined);
    this.queues.set(serverId, tail);
    void tail.then(() => {
      if (this.queues.get(serverId) === tail) this.queues.delete(serverId);
    });
    return run;
  }
}
