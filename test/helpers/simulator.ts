/**
 * Helpers to run the srcds simulator as a real process in tests: free ports, a laid-out install,
 * spawning through srcds_run with srcds's command line, A2S and RCON through the panel's own clients.
 * Needs `npm run build` first (srcds_run runs dist/simulator/main.js).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clientPortFor } from '../../src/launch/plan.js';
import { rconCommand } from '../../src/rcon/client.js';
import {
  encodePacket,
  PacketFramer,
  type RconPacket,
  SERVERDATA_AUTH,
  SERVERDATA_AUTH_RESPONSE,
} from '../../src/rcon/protocol.js';
import { FAULT_FILE } from '../../src/simulator/faults.js';
import { layOutSimulatedInstall } from '../../src/simulator/install.js';
import { type A2sAnswer, queryA2s as queryPanelA2s } from '../../src/supervisor/a2s.js';
import { LOOPBACK } from '../../src/supervisor/link.js';
import { busyPort } from '../../src/supervisor/ports.js';
import { type WatchedOutput, watchOutput } from './output.js';

export { LOOPBACK };

// ---------- ports ----------

const handedOut = new Set<number>();

/**
 * Game servers get ports below Linux's ephemeral range (32768+), where client sockets (gamedig's,
 * other tests') never land by chance; each Vitest worker draws from its own slice of it.
 */
function candidateGamePort(): number {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0) % 4;
  const sliceStart = 20_000 + worker * 3_000;
  return sliceStart + Math.floor(Math.random() * 3_000);
}

/**
 * A game port P that is free for UDP and TCP, whose client port P-10 is free for UDP (as the
 * supervisor checks before a launch), and that does not overlap (P, P-10) with any port this worker
 * handed out before.
 */
export async function freeGamePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = candidateGamePort();
    const client = clientPortFor(port);
    if (client < 1024 || [port, client].some((p) => handedOut.has(p))) continue;
    if ((await busyPort(port)) === null) {
      for (const p of [port, client]) handedOut.add(p);
      return port;
    }
  }
  throw new Error('no free game port found');
}

// ---------- installs ----------

const tempDirs: string[] = [];

/** A fresh simulated install in a temp dir; removed by stopAllSimulators(). */
export async function makeSimulatedInstall(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'l4d2web-sim-'));
  tempDirs.push(dir);
  await layOutSimulatedInstall(dir);
  return dir;
}

/**
 * Writes `<root>/left4dead2/cfg/sim-<id>.cfg`, the cfg a simulator started without the panel execs
 * (the panel writes l4d2web.cfg into an instance instead); returns its name for `+exec`.
 */
export async function writeServerCfg(rootDir: string, serverId: number, lines: string[]): Promise<string> {
  const name = `sim-${serverId}.cfg`;
  await writeFile(path.join(rootDir, 'left4dead2', 'cfg', name), `${lines.join('\n')}\n`);
  return name;
}

/** `<install>/sim-faults.json` (see src/simulator/README.md). */
export function faultFilePath(installDir: string): string {
  return path.join(installDir, FAULT_FILE);
}

export async function writeFaultFile(installDir: string, faults: Record<string, unknown>): Promise<void> {
  await writeFile(faultFilePath(installDir), JSON.stringify(faults));
}

// ---------- processes ----------

export interface SimulatorOptions {
  installDir?: string;
  port?: number;
  serverId?: number;
  /** Lines of the exec'd cfg; `rcon_password` is added from `rconPassword`. */
  cfg?: string[];
  rconPassword?: string;
  /** Extra arguments after the panel's, like a blueprint's (`+map c2m1_highway`). */
  args?: string[];
  /** Extra environment (SIM_* faults); other SIM_* variables of the test process are not passed on. */
  env?: Record<string, string>;
  /** Wait until the server answers A2S_INFO (default true). */
  waitForA2s?: boolean;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SimulatorHandle extends WatchedOutput {
  child: ChildProcess;
  pid: number;
  port: number;
  installDir: string;
  rconPassword: string;
  /** Resolves once the process exited (at once if it already did). */
  exited: Promise<Exit>;
}

const running = new Set<ChildProcess>();

/** Spawns the simulator through a laid-out install's srcds_run, with the panel's command line. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const installDir = options.installDir ?? (await makeSimulatedInstall());
  const port = options.port ?? (await freeGamePort());
  const rconPassword = options.rconPassword ?? 'test-rcon-password';
  const cfg = await writeServerCfg(installDir, options.serverId ?? port, [
    ...(options.cfg ?? []),
    `rcon_password "${rconPassword}"`,
  ]);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SIM_')));
  const child = spawn(
    path.join(installDir, 'srcds_run'),
    [
      ...['-game', 'left4dead2', '-norestart', '-strictportbind', '-port', String(port)],
      ...['+clientport', String(clientPortFor(port)), '-nohltv', '+exec', cfg],
      ...(options.args ?? []),
    ],
    { env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  const { output, waitForOutput } = watchOutput(child);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const handle: SimulatorHandle = {
    child,
    pid: child.pid ?? -1,
    port,
    installDir,
    rconPassword,
    output,
    exited,
    waitForOutput,
  };
  if (options.waitForA2s ?? true) {
    await Promise.race([
      waitForA2s(port),
      exited.then((exit) => {
        throw new Error(`simulator exited (${JSON.stringify(exit)}) before answering A2S:\n${output()}`);
      }),
    ]);
  }
  return handle;
}

/** SIGKILLs every simulator still running and removes temp installs; call in afterEach/afterAll. */
export async function stopAllSimulators(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

// ---------- A2S (the panel's client, src/supervisor/a2s.ts) ----------

/** A2S_INFO + A2S_PLAYER (+ A2S_RULES) through the panel's client, which does the challenge step. */
export function queryA2s(
  port: number,
  options: { rules?: boolean; timeoutMs?: number } = {},
): Promise<A2sAnswer> {
  return queryPanelA2s(LOOPBACK, port, {
    timeoutMs: options.timeoutMs ?? 1000,
    players: true,
    rules: options.rules ?? false,
  });
}

/** Polls A2S until the server answers; throws after timeoutMs. */
export async function waitForA2s(port: number, timeoutMs = 15_000): Promise<A2sAnswer> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await queryA2s(port, { timeoutMs: 300 });
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`no A2S answer on port ${port}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Sends one raw UDP packet to 127.0.0.1:port and returns the first reply (or throws on timeout). */
export function udpRequest(port: number, packet: Buffer, timeoutMs = 1000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`no UDP reply from port ${port}`));
    }, timeoutMs);
    socket.once('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.bind(0, LOOPBACK, () => socket.send(packet, port, LOOPBACK));
  });
}

// ---------- RCON ----------

/**
 * Raw packets on an RCON connection, for tests of the protocol itself: what a server answers,
 * packet by packet, or (wrapping an accepted socket) what a fake server does. Commands go through
 * the panel's client, `rcon()` below.
 */
export class RawRcon {
  private readonly framer = new PacketFramer();
  private readonly queue: RconPacket[] = [];
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.queue.push(...this.framer.push(chunk));
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawRcon> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: LOOPBACK, port }, () => resolve(new RawRcon(socket)));
      socket.once('error', reject);
    });
  }

  /** Next packet, or undefined when the server closed the connection. */
  async read(timeoutMs = 5000): Promise<RconPacket | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('rcon read timed out');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.queue.shift();
  }

  send(...packets: RconPacket[]): void {
    this.socket.write(Buffer.concat(packets.map(encodePacket)));
  }

  /** True when the server accepted the password; the AUTH_RESPONSE id is -1 otherwise. */
  async auth(password: string, id = 1): Promise<boolean> {
    this.send({ id, type: SERVERDATA_AUTH, body: password });
    for (;;) {
      const packet = await this.read();
      if (packet === undefined) throw new Error('connection closed during auth');
      if (packet.type === SERVERDATA_AUTH_RESPONSE) return packet.id === id;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One command through the panel's RCON client: connect, authenticate, run it, hang up. */
export function rcon(port: number, password: string, command: string): Promise<string> {
  return rconCommand({ host: LOOPBACK, port, password }, command, {
    connectTimeoutMs: 5_000,
    commandTimeoutMs: 5_000,
  });
}
