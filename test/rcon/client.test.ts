/**
 * The panel's RCON client against the srcds simulator (a real process) and against hostile fake
 * servers on loopback: garbage, oversized packets, closing mid-reply, never answering.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES, RconConnection, type RconTimeouts, rconCommand } from '../../src/rcon/client.js';
import {
  encodePacket,
  MAX_BODY,
  type RconPacket,
  SERVERDATA_AUTH,
  SERVERDATA_AUTH_RESPONSE,
  SERVERDATA_EXECCOMMAND,
  SERVERDATA_RESPONSE_VALUE,
} from '../../src/rcon/protocol.js';
import { RconClient } from '../../src/supervisor/rcon.js';
import {
  LOOPBACK,
  RawRcon,
  type SimulatorHandle,
  startSimulator,
  stopAllSimulators,
} from '../helpers/simulator.js';

const quick: RconTimeouts = { connectTimeoutMs: 3_000, commandTimeoutMs: 3_000 };
const short: RconTimeouts = { connectTimeoutMs: 300, commandTimeoutMs: 300 };

// ---------- fake servers ----------

interface FakeServer {
  port: number;
  /** Sockets accepted so far, and how many of them are still open. */
  accepted: Socket[];
  openConnections(): number;
}

const fakes: Array<{ server: Server; accepted: Socket[] }> = [];

/** A TCP server on loopback that runs `handle` for each connection, speaking raw packets. */
async function fakeServer(handle: (peer: RawRcon) => void | Promise<void>): Promise<FakeServer> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => undefined);
    void Promise.resolve(handle(new RawRcon(socket))).catch(() => socket.destroy());
  });
  fakes.push({ server, accepted });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    accepted,
    openConnections: () => accepted.filter((socket) => !socket.destroyed).length,
  };
}

afterEach(async () => {
  for (const { server, accepted } of fakes.splice(0)) {
    for (const socket of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

const target = (port: number, password = 'secret') => ({ host: LOOPBACK, port, password });

/** Reads the AUTH packet and accepts it as srcds does: an empty RESPONSE_VALUE, then AUTH_RESPONSE. */
async function acceptAuth(peer: RawRcon): Promise<void> {
  const auth = await peer.read();
  if (auth?.type !== SERVERDATA_AUTH) throw new Error(`expected AUTH, got ${JSON.stringify(auth)}`);
  peer.send(
    { id: auth.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
    { id: auth.id, type: SERVERDATA_AUTH_RESPONSE, body: '' },
  );
}

/** Reads a command and its terminator; returns both ids. */
async function readCommand(peer: RawRcon): Promise<{ command: RconPacket; terminator: RconPacket }> {
  const command = await peer.read();
  const terminator = await peer.read();
  if (command?.type !== SERVERDATA_EXECCOMMAND || terminator?.type !== SERVERDATA_RESPONSE_VALUE) {
    throw new Error('expected a command and a terminator');
  }
  return { command, terminator };
}

/** A well-behaved server: every command answers `reply(body)`, then the terminator mirror. */
function echoServer(reply: (body: string) => string = (body) => `ran ${body}\n`) {
  return fakeServer(async (peer) => {
    await acceptAuth(peer);
    for (;;) {
      const { command, terminator } = await readCommand(peer);
      peer.send(
        { id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: reply(command.body) },
        { id: terminator.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
      );
    }
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const nextTick = () => new Promise((resolve) => setImmediate(resolve));

// ---------- against the simulator ----------

describe('RCON client against the srcds simulator', () => {
  let sim: SimulatorHandle;

  beforeAll(async () => {
    sim = await startSimulator({ cfg: ['hostname "Client Test"'] });
  });
  afterAll(stopAllSimulators);

  it('authenticates, runs a command and returns its reply', async () => {
    const status = await rconCommand(target(sim.port, sim.rconPassword), 'status', quick);
    expect(status).toContain('hostname: Client Test\n');
    await sim.waitForOutput(/rcon from "127\.0\.0\.1:\d+": command "status"/);
  });

  it('reads a reply of many packets whole, however TCP merges them', async () => {
    const reply = await rconCommand(target(sim.port, sim.rconPassword), 'sim_longreply 50000', quick);
    const numbers = reply
      .trimEnd()
      .split('\n')
      .map((line) => Number(/^sim_longreply line (\d+) /.exec(line)?.[1]));
    expect(reply.length).toBeGreaterThanOrEqual(50000);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });

  it('says "bad password" for a wrong password', async () => {
    await expect(rconCommand(target(sim.port, 'wrong'), 'status', quick)).rejects.toThrow(/^bad password$/);
    await sim.waitForOutput(/Bad Password/);
  });
});

// ---------- plain failures ----------

describe('RCON client errors', () => {
  it('says "connection refused" when nothing listens on the port', async () => {
    await expect(rconCommand(target(await closedPort()), 'status', quick)).rejects.toThrow(
      /^connection refused$/,
    );
  });

  it('says "bad password" on AUTH_RESPONSE id -1, and sends no command', async () => {
    const commands: string[] = [];
    const server = await fakeServer(async (peer) => {
      const auth = await peer.read();
      peer.send(
        { id: auth?.id ?? 0, type: SERVERDATA_RESPONSE_VALUE, body: '' },
        { id: -1, type: SERVERDATA_AUTH_RESPONSE, body: '' },
      );
      const next = await peer.read().catch(() => undefined);
      if (next) commands.push(next.body);
    });
    await expect(rconCommand(target(server.port), 'status', quick)).rejects.toThrow(/^bad password$/);
    expect(commands).toEqual([]);
  });

  it('refuses a command with a NUL byte or longer than a packet, before sending it', async () => {
    const seen: string[] = [];
    const server = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      for (;;) {
        const packet = await peer.read();
        if (!packet) return;
        seen.push(packet.body);
      }
    });
    await expect(rconCommand(target(server.port), 'say a\0quit', quick)).rejects.toThrow(
      /^a command cannot contain a NUL byte$/,
    );
    await expect(rconCommand(target(server.port), `say ${'x'.repeat(MAX_BODY)}`, quick)).rejects.toThrow(
      /^command too long$/,
    );
    expect(seen).toEqual([]);
  });
});

// ---------- hostile servers ----------

describe('RCON client against hostile servers', () => {
  it('gives up on a server that accepts but never answers the login, and hangs up', async () => {
    const server = await fakeServer(() => undefined);
    await expect(rconCommand(target(server.port), 'status', short)).rejects.toThrow(
      /^authentication timed out after 300 ms$/,
    );
    await expect.poll(() => server.openConnections()).toBe(0);
  });

  it('gives up on a server that logs in but never answers the command, and hangs up', async () => {
    const server = await fakeServer(acceptAuth);
    await expect(rconCommand(target(server.port), 'status', short)).rejects.toThrow(
      /^command timed out after 300 ms$/,
    );
    await expect.poll(() => server.openConnections()).toBe(0);
  });

  it('gives up on a reply that never ends (no terminator)', async () => {
    const server = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      const { command } = await readCommand(peer);
      peer.send({ id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: 'partial' });
    });
    await expect(rconCommand(target(server.port), 'status', short)).rejects.toThrow(/^command timed out/);
  });

  it('drops a server that sends garbage instead of packets', async () => {
    const server = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      await readCommand(peer);
      peer.socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    });
    await expect(rconCommand(target(server.port), 'status', quick)).rejects.toThrow(
      /^malformed packet from the server$/,
    );
    await expect.poll(() => server.openConnections()).toBe(0);
  });

  it('drops a server whose size field is oversized, without waiting for the bytes it announces', async () => {
    for (const size of [0x7fffffff, MAX_BODY + 11, 9, -1]) {
      const server = await fakeServer(async (peer) => {
        await acceptAuth(peer);
        const { command } = await readCommand(peer);
        const header = Buffer.alloc(12);
        header.writeInt32LE(size, 0);
        header.writeInt32LE(command.id, 4);
        header.writeInt32LE(SERVERDATA_RESPONSE_VALUE, 8);
        peer.socket.write(header);
      });
      // The command timeout is long: the refusal must come from the size field, not the clock.
      await expect(
        rconCommand(target(server.port), 'status', { connectTimeoutMs: 3_000, commandTimeoutMs: 20_000 }),
      ).rejects.toThrow(/^malformed packet from the server$/);
    }
  });

  it('drops a reply that grows past its bound', async () => {
    const server = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      const { command } = await readCommand(peer);
      const packet = encodePacket({
        id: command.id,
        type: SERVERDATA_RESPONSE_VALUE,
        body: 'x'.repeat(MAX_BODY),
      });
      for (let sent = 0; sent <= MAX_REPLY_BYTES && !peer.socket.destroyed; sent += MAX_BODY) {
        if (!peer.socket.write(packet)) await new Promise((resolve) => peer.socket.once('drain', resolve));
      }
    });
    await expect(
      rconCommand(target(server.port), 'cvarlist', { connectTimeoutMs: 3_000, commandTimeoutMs: 20_000 }),
    ).rejects.toThrow(`reply larger than ${MAX_REPLY_BYTES} bytes`);
  });

  it('says the server closed the connection when it does so mid-reply, mid-packet or during login', async () => {
    const midReply = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      const { command } = await readCommand(peer);
      peer.send({ id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: 'first half' });
      peer.socket.end();
    });
    const midPacket = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      const { command } = await readCommand(peer);
      peer.socket.end(
        encodePacket({ id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: 'cut' }).subarray(0, 9),
      );
    });
    const duringLogin = await fakeServer((peer) => void peer.socket.end());
    for (const server of [midReply, midPacket, duringLogin]) {
      await expect(rconCommand(target(server.port), 'status', quick)).rejects.toThrow(
        /^connection closed by the server$/,
      );
    }
  });

  it('reads packets split into single bytes and merged into one write', async () => {
    const server = await fakeServer(async (peer) => {
      const auth = await peer.read();
      const id = auth?.id ?? 0;
      // The login's two packets, one byte per write.
      const login = Buffer.concat([
        encodePacket({ id, type: SERVERDATA_RESPONSE_VALUE, body: '' }),
        encodePacket({ id, type: SERVERDATA_AUTH_RESPONSE, body: '' }),
      ]);
      for (const byte of login) {
        peer.socket.write(Buffer.from([byte]));
        await nextTick();
      }
      const { command, terminator } = await readCommand(peer);
      // The reply, the terminator and srcds's trailer in one write.
      peer.send(
        { id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: 'one ' },
        { id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: 'two' },
        { id: terminator.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
        { id: terminator.id, type: SERVERDATA_RESPONSE_VALUE, body: '\u0000\u0001\u0000\u0000' },
      );
    });
    expect(await rconCommand(target(server.port), 'status', quick)).toBe('one two');
  });

  it('joins a character that srcds cut between two packets', async () => {
    const text = 'Zoë joined';
    const bytes = Buffer.from(text, 'utf8');
    const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of ë
    const server = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      const { command, terminator } = await readCommand(peer);
      const packets = [bytes.subarray(0, cut), bytes.subarray(cut)].map((body) => {
        const packet = Buffer.alloc(body.length + 14);
        packet.writeInt32LE(body.length + 10, 0);
        packet.writeInt32LE(command.id, 4);
        packet.writeInt32LE(SERVERDATA_RESPONSE_VALUE, 8);
        body.copy(packet, 12);
        return packet;
      });
      peer.socket.write(Buffer.concat([...packets, encodePacket({ ...terminator, body: '' })]));
    });
    expect(await rconCommand(target(server.port), 'status', quick)).toBe(text);
  });

  it('ignores packets it did not ask for: before the login, with other ids, of other types', async () => {
    const server = await fakeServer(async (peer) => {
      peer.send({ id: 99, type: SERVERDATA_RESPONSE_VALUE, body: 'banner' });
      await acceptAuth(peer);
      const { command, terminator } = await readCommand(peer);
      peer.send(
        { id: command.id + 1000, type: SERVERDATA_RESPONSE_VALUE, body: 'stale ' },
        { id: command.id, type: SERVERDATA_AUTH_RESPONSE, body: 'wrong type ' },
        { id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: 'answer' },
        { id: terminator.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
      );
    });
    expect(await rconCommand(target(server.port), 'status', quick)).toBe('answer');
  });

  it('fails every later command of a connection that failed, with the same reason', async () => {
    const server = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      await readCommand(peer);
      peer.socket.write('garbage!');
    });
    const connection = await RconConnection.open(target(server.port), 3_000);
    await expect(connection.command('status', 3_000)).rejects.toThrow(/^malformed packet/);
    await expect(connection.command('status', 3_000)).rejects.toThrow(/^malformed packet/);
  });
});

// ---------- one command at a time per server ----------

describe('RconClient (the supervisor side)', () => {
  it('runs one command at a time per server, in order, and a failure does not block the next', async () => {
    const ran: string[] = [];
    let concurrent = 0;
    let mostConcurrent = 0;
    const server = await fakeServer(async (peer) => {
      await acceptAuth(peer);
      const { command, terminator } = await readCommand(peer);
      concurrent++;
      mostConcurrent = Math.max(mostConcurrent, concurrent);
      // Long enough for a second connection to arrive, if the client allowed one.
      await new Promise((resolve) => setTimeout(resolve, 50));
      ran.push(command.body);
      concurrent--;
      if (command.body === 'never') return; // no reply: the client times out
      peer.send(
        { id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: `ran ${command.body}` },
        { id: terminator.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
      );
    });
    const client = new RconClient({ connectTimeoutMs: 3_000, commandTimeoutMs: 500 });
    const replies = await Promise.allSettled(
      ['one', 'never', 'two', 'three'].map((command) => client.command(1, target(server.port), command)),
    );
    expect(
      replies.map((reply) => (reply.status === 'fulfilled' ? reply.value : String(reply.reason))),
    ).toEqual(['ran one', 'Error: command timed out after 500 ms', 'ran two', 'ran three']);
    expect(ran).toEqual(['one', 'never', 'two', 'three']);
    expect(mostConcurrent).toBe(1);
  });

  it('lets two servers run commands at the same time', async () => {
    // Each fake answers only once the other has received its command: serialising both would deadlock.
    const received = { a: false, b: false };
    const bothReceived = () =>
      new Promise<void>((resolve) => {
        const check = () => (received.a && received.b ? resolve() : setTimeout(check, 5));
        check();
      });
    const serverFor = (name: 'a' | 'b') =>
      fakeServer(async (peer) => {
        await acceptAuth(peer);
        const { command, terminator } = await readCommand(peer);
        received[name] = true;
        await bothReceived();
        peer.send(
          { id: command.id, type: SERVERDATA_RESPONSE_VALUE, body: name },
          { id: terminator.id, type: SERVERDATA_RESPONSE_VALUE, body: '' },
        );
      });
    const [a, b] = await Promise.all([serverFor('a'), serverFor('b')]);
    const client = new RconClient({ connectTimeoutMs: 3_000, commandTimeoutMs: 3_000 });
    expect(
      await Promise.all([
        client.command(1, target(a.port), 'status'),
        client.command(2, target(b.port), 'status'),
      ]),
    ).toEqual(['a', 'b']);
  });

  it('uses a well-behaved server the way the supervisor does: one connection per command', async () => {
    const server = await echoServer();
    const client = new RconClient(quick);
    expect(await client.command(7, target(server.port), 'say hi')).toBe('ran say hi\n');
    expect(await client.command(7, target(server.port), 'status')).toBe('ran status\n');
    expect(server.accepted).toHaveLength(2);
    await expect.poll(() => server.openConnections()).toBe(0);
  });
});
