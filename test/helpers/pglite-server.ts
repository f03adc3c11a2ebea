/**
 * PGlite served over the PostgreSQL wire protocol to several `pg` connections at once.
 *
 * @electric-sql/pglite-socket's PGLiteSocketHandler does the wire framing (startup, SSL refusal,
 * message reassembly). Its own server schedules PGlite (one backend, one session) message by
 * message, which interleaves clients in the middle of an extended-protocol exchange (Parse/Bind/
 * Execute/Sync) or an implicit transaction: measured here, 3 concurrent POST /servers answered 201,
 * 404 and 500. So the handlers are given this scheduler instead: a connection owns PGlite from its
 * first message until PGlite reports ReadyForQuery with status idle ('I'), i.e. until its extended
 * exchange and any transaction are over; other connections wait their turn. Queries are serialized
 * (PGlite cannot do otherwise), and results are correct.
 */
import net from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (size: number) => void;
  reject: (error: Error) => void;
}

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/** The status byte of the last ReadyForQuery ('Z') in a backend response, or null if none. */
function readyStatus(output: Uint8Array): string | null {
  const view = Buffer.from(output.buffer, output.byteOffset, output.byteLength);
  let status: string | null = null;
  for (let offset = 0; offset + 5 <= view.length; ) {
    const type = view[offset];
    const length = view.readInt32BE(offset + 1);
    if (type === 0x5a && offset + 5 < view.length) status = String.fromCharCode(view[offset + 5] ?? 0);
    offset += 1 + length;
  }
  return status;
}

/** Gives PGlite to one connection at a time, from its first message until it is idle again. */
class SessionScheduler {
  private owner: number | null = null;
  private running = false;
  private queue: Pending[] = [];

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const index = this.owner === null ? 0 : this.queue.findIndex((p) => p.handlerId === this.owner);
        const next = index >= 0 ? this.queue[index] : undefined;
        if (!next) return;
        this.queue.splice(index, 1);
        this.owner = next.handlerId;
        try {
          const chunks: Uint8Array[] = [];
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(next.message, {
              onRawData: (data) => {
                chunks.push(data);
                next.onData(data);
              },
            }),
          );
          if (readyStatus(Buffer.concat(chunks)) === 'I') this.owner = null;
          next.resolve(chunks.reduce((size, chunk) => size + chunk.length, 0));
        } catch (error) {
          next.reject(error as Error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** A connection went away: drop what it still had queued. */
  clearQueueForHandler(handlerId: number): void {
    for (const pending of this.queue.filter((p) => p.handlerId === handlerId)) {
      pending.reject(new Error('connection closed'));
    }
    this.queue = this.queue.filter((p) => p.handlerId !== handlerId);
  }

  /** ...and if it owned the session, end its exchange and transaction so others can go on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    await this.db.runExclusive(async () => {
      await this.db.execProtocolRaw(SYNC);
      if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    });
    this.owner = null;
    await this.pump();
  }
}

/** A TCP server on 127.0.0.1 (an ephemeral port by default) in front of one PGlite instance. */
export class PgliteServer {
  private readonly sockets = new Set<net.Socket>();
  private server: net.Server | undefined;
  port = 0;

  constructor(readonly db: PGlite) {}

  async start(port = 0): Promise<number> {
    const scheduler = new SessionScheduler(this.db);
    this.server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      const handler = new PGLiteSocketHandler({
        // The handler only calls enqueue, clearQueueForHandler and clearTransactionIfNeeded.
        queryQueue: scheduler as unknown as ConstructorParameters<
          typeof PGLiteSocketHandler
        >[0]['queryQueue'],
        closeOnDetach: true,
      });
      handler.attach(socket).catch(() => socket.destroy());
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Closes every connection and the listener; the PGlite instance stays open. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    // Let the handlers' close events (rollback of an open transaction) run before the caller goes on.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
